/**
 * `sipscope engine [--udp A] [--tcp A] [--ws A] [--users FILE] [--ims] [--hss A] [--pcap FILE]
 *  [--control A] [--route USER=HOST:PORT]…` — run the built-in SIP server until Ctrl-C.
 */
import { readFileSync } from "node:fs";
import { EngineRuntime, type EngineOptions } from "../engine/runtime";
import { parseUsers } from "../../engine/users";
import { ArgReader, isHelpOption } from "./args";

const HELP = `usage: sipscope engine [options]

Runs the built-in SIP server (registrar with digest auth, record-routing proxy, dialog tracking,
presence server; IMS S-CSCF with an embedded HSS with --ims) on 127.0.0.1 until interrupted.
options:
  --udp HOST:PORT      SIP over UDP (default 127.0.0.1:5070; "off" to disable)
  --tcp HOST:PORT      SIP over TCP (default 127.0.0.1:5070; "off" to disable)
  --ws HOST:PORT       SIP over WebSocket, subprotocol "sip" (default 127.0.0.1:8070; "off" to disable)
  --users FILE         users JSON: {"realm": "...", "users": [{"user": "alice", "password": "..."}]}
                       or {"alice": "secret"}; default: a demo set (alice/alice-secret, bob/bob-secret,
                       user0001/user0001-pw ... user0100)
  --route USER=DEST    static route for a user (DEST: HOST:PORT or a SIP URI); repeatable
  --ims                S-CSCF mode: REGISTER -> MAR to the embedded HSS -> 401; then SAR -> 200
  --hss HOST:PORT      embedded HSS address in --ims mode (default 127.0.0.1:3868)
  --pcap FILE          record everything sent and received to a pcap
  --control HOST:PORT  control endpoint (HTTP JSON): GET /status, POST /dialogs/ID/bye, POST /presence/USER
  --t1 SECONDS         RFC 3261 T1 (default 0.5)
  --quiet              do not print reports`;

export async function run(args: string[]): Promise<number> {
  const opts: EngineOptions = { routes: {} };
  let quiet = false;
  try {
    const argv = new ArgReader(args);
    for (let a = argv.next(); a !== undefined; a = argv.next()) {
      const addr = () => {
        const v = argv.value();
        return v === "off" ? (false as const) : v;
      };
      if (isHelpOption(a)) {
        console.log(HELP);
        return 0;
      } else if (a === "--udp") opts.udp = addr();
      else if (a === "--tcp") opts.tcp = addr();
      else if (a === "--ws") opts.ws = addr();
      else if (a === "--control") opts.control = addr();
      else if (a === "--hss") opts.hss = argv.value();
      else if (a === "--ims") opts.ims = true;
      else if (a === "--pcap") opts.pcap = argv.value();
      else if (a === "--quiet") quiet = true;
      else if (a === "--t1") {
        opts.t1 = Number(argv.value());
        if (!(opts.t1 > 0)) throw new Error("--t1 must be a positive number of seconds");
      } else if (a === "--users") {
        const file = argv.value();
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (e) {
          throw new Error(`cannot read users file ${file}: ${(e as Error).message}`);
        }
        opts.users = parseUsers(text);
      } else if (a === "--route") {
        const v = argv.value();
        const eq = v.indexOf("=");
        if (eq <= 0) throw new Error(`--route wants USER=HOST:PORT, got "${v}"`);
        opts.routes![v.slice(0, eq)] = v.slice(eq + 1);
      } else throw new Error(`unknown option ${a}`);
    }
  } catch (e) {
    console.error(`sipscope engine: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!quiet) opts.onReport = (r) => {
    if (r.level !== "info") console.error(`[${r.level}] ${r.code}: ${r.text}`);
  };
  let rt: EngineRuntime;
  try {
    rt = await EngineRuntime.start(opts);
  } catch (e) {
    console.error(`sipscope engine: cannot start: ${(e as Error).message}`);
    return 1;
  }
  console.log("SIPScope engine listening:");
  for (const line of rt.describe()) console.log(`  ${line}`);
  console.log("Ctrl-C to stop.");
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await rt.close();
  return 0;
}

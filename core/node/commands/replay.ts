/**
 * `sipscope replay FILE… --call ID [--engine | --target HOST:PORT] [--speed X] [--out replay.pcap] [--json]`
 *
 * Replays one captured call against the built-in engine (default) or a server on loopback, then
 * prints the original and replayed ladders side by side, the differences, and both sets of findings.
 */
import type { FindingDTO, MessageDTO } from "../../api";
import { replayCall, type ReplayRun } from "../engine/replay-runner";
import { ArgReader, isHelpOption } from "./args";

const HELP = `usage: sipscope replay FILE… --call ID [options]

Derives a script from the captured call (each endpoint's side), plays it with the captured timing
against the built-in SIP engine (or --target), records the result and shows what differs.
options:
  --call ID           the call to replay: a call id (c3) or a SIP Call-ID (required)
  --engine            replay against the built-in engine (default)
  --target HOST:PORT  replay against your server on loopback instead
  --speed X           play X times faster than captured (default 1)
  --out FILE          write the replay's pcap here (default: a temp file, printed)
  --json              print { original: { messages, findings }, replay: { messages, findings }, diff }
  --http-port N       the capture carries HTTP on port N (repeatable, as for analyze)
  --verbose           print the agents' and the engine's notes while replaying`;

export async function run(args: string[]): Promise<number> {
  const files: string[] = [];
  let call: string | undefined;
  let target: string | undefined;
  let speed = 1;
  let out: string | undefined;
  let json = false;
  let verbose = false;
  const httpPorts: number[] = [];
  try {
    const argv = new ArgReader(args);
    for (let a = argv.next(); a !== undefined; a = argv.next()) {
      if (isHelpOption(a)) {
        console.log(HELP);
        return 0;
      } else if (a === "--call") call = argv.value();
      else if (a === "--engine") target = undefined;
      else if (a === "--target") target = argv.value();
      else if (a === "--speed") {
        speed = Number(argv.value());
        if (!(speed > 0)) throw new Error("--speed must be a positive number");
      } else if (a === "--out") out = argv.value();
      else if (a === "--json") json = true;
      else if (a === "--verbose") verbose = true;
      else if (a === "--http-port") {
        const n = Number(argv.value());
        if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error("--http-port wants a port number");
        httpPorts.push(n);
      }
      else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
      else files.push(a);
    }
    if (!files.length) throw new Error("give the capture FILE to replay from");
    if (!call) throw new Error("--call ID is required (see `sipscope analyze FILE` for the call ids)");
  } catch (e) {
    console.error(`sipscope replay: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  let r: ReplayRun;
  try {
    r = await replayCall(files, call, { speed, target, out, httpPorts, log: verbose ? (l) => console.error(l) : undefined });
  } catch (e) {
    console.error(`sipscope replay: ${(e as Error).message}`);
    return 1;
  }
  if (json) {
    const doc = {
      original: { messages: r.original.messages, findings: r.original.findings },
      replay: { messages: r.replay.messages, findings: r.replay.findings },
      diff: r.diff,
      pcap: r.pcap,
      notes: r.notes,
    };
    process.stdout.write(JSON.stringify(doc, null, 1) + "\n");
    return 0;
  }
  console.log(formatReplay(r));
  return 0;
}

function arrowLine(d: MessageDTO, role: Map<string, string>, t0: number): string {
  const label = d.protocol === "sip" ? (d.method && d.status === undefined ? d.method : `${d.status} ${d.reason ?? ""}`.trim()) : d.info;
  return `${(d.time - t0).toFixed(3).padStart(8)} ${(role.get(d.src) ?? d.src).padStart(2)} → ${(role.get(d.dst) ?? d.dst).padEnd(2)} ${label}${d.retransmission ? " (retx)" : ""}`;
}

function findingLines(fs: FindingDTO[]): string[] {
  if (!fs.length) return ["  (none)"];
  return fs.map((f) => `  ${f.severity.toUpperCase().padEnd(7)} ${f.rule}: ${f.title}`);
}

export function formatReplay(r: ReplayRun): string {
  const roleOf = (ladder: ReplayRun["original"]["ladder"]) => {
    const m = new Map<string, string>();
    for (const n of ladder.nodes) for (const a of n.addresses) if (n.id.length <= 2) m.set(a, n.id);
    return m;
  };
  const oRole = roleOf(r.original.ladder);
  for (const e of r.script.endpoints) oRole.set(e.address, e.id);
  for (const h of r.script.hub) oRole.set(h, "S");
  for (const d of r.original.messages) if (d.protocol === "diameter") oRole.set(d.request ? d.dst : d.src, "H");
  const rRole = roleOf(r.replay.ladder);
  const o = r.original.messages;
  const p = r.replay.messages;
  const left = o.map((d) => arrowLine(d, oRole, o[0]?.time ?? 0));
  const right = p.map((d) => arrowLine(d, rRole, p[0]?.time ?? 0));
  const width = Math.max(40, ...left.map((l) => l.length)) + 2;
  const lines: string[] = [];
  lines.push(`roles: ${r.script.endpoints.map((e) => `${e.id} = ${e.address} (${e.transport})`).join(", ")}; S = ${r.script.direct ? "(no server: direct)" : r.script.hub.join(", ") + " -> the replay's server"}${r.original.messages.some((d) => d.protocol === "diameter") ? "; H = HSS" : ""}`);
  lines.push("");
  lines.push(`${"ORIGINAL (capture)".padEnd(width)}REPLAY`);
  for (let i = 0; i < Math.max(left.length, right.length); i++) lines.push(`${(left[i] ?? "").padEnd(width)}${right[i] ?? ""}`);
  lines.push("");
  lines.push(`differences (${r.diff.length}):`);
  if (!r.diff.length) lines.push("  none: the replay went as captured");
  for (const d of r.diff) lines.push(`  ${d.kind.padEnd(8)} ${d.label}`);
  lines.push("", "findings in the capture:", ...findingLines(r.original.findings));
  lines.push("", "findings in the replay:", ...findingLines(r.replay.findings));
  if (r.notes.length) lines.push("", "notes:", ...r.notes.map((n) => `  ${n}`));
  lines.push("", `replay recorded to ${r.pcap}`);
  return lines.join("\n");
}

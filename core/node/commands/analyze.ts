/**
 * `sipscope analyze FILE… [--log LOG]… [--json] [--call ID] [--summary] [--http-port N]…`
 *
 * Decodes captures and logs as one timeline, runs the analysis, and prints either the readable
 * report (summary, tshark-like message list, calls, findings; or one call's ladder with --call)
 * or the `AnalysisDocument` as JSON (streamed, so a large capture never becomes one huge string).
 */
import type { AnalysisDocument } from "../../api";
import { loadFiles, IngestError } from "../ingest";
import { analyzeRun } from "../../analysis/analyze";
import { appendMessageJson, JsonBytes, type MessageJsonContext } from "../../analysis/message-json";
import { formatReport, formatCallLadder } from "../../analysis/text-report";
import { OutputClosed, writeBytesOut, writeOut } from "../output";
import { ArgReader, isHelpOption } from "./args";
import { createHeapCheckpoint } from "../heap-checkpoint";

const HELP = `usage: sipscope analyze FILE… [options]

FILE      pcap, pcapng, Kamailio log (stderr or syslog), Kamailio sipdump, or text with SIP messages;
          several files open as one timeline (e.g. a capture and the proxy's log)
options:
  --log FILE        add a server log (same as giving it as FILE; repeatable)
  --json            print the analysis as one JSON document
  --call ID         print one call's ladder (ID: a call id like c3, or a SIP Call-ID)
  --summary         print only the summary and findings, not every message
  --http-port N     also decode HTTP on port N (repeatable; default 80, 8080, and 5060-5061 when HTTP)
  --t1 SECONDS      RFC 3261 timer T1 used for expectations (default 0.5)
  --year YYYY       year for syslog lines (default: the capture's, else this year)`;

interface Args {
  files: string[];
  json: boolean;
  call?: string;
  summaryOnly: boolean;
  httpPorts: number[];
  t1?: number;
  year?: number;
}

function parseArgs(args: string[]): Args | string {
  const a: Args = { files: [], json: false, summaryOnly: false, httpPorts: [] };
  const argv = new ArgReader(args);
  try {
    for (let arg = argv.next(); arg !== undefined; arg = argv.next()) {
      if (arg === "--json") a.json = true;
      else if (arg === "--summary") a.summaryOnly = true;
      else if (arg === "--log") a.files.push(argv.value());
      else if (arg === "--call") a.call = argv.value();
      else if (arg === "--http-port") {
        const n = Number(argv.value());
        if (!Number.isInteger(n) || n < 1 || n > 65535) return `--http-port needs a port number`;
        a.httpPorts.push(n);
      } else if (arg === "--t1") {
        const n = Number(argv.value());
        if (!(n > 0 && n < 60)) return `--t1 needs seconds between 0 and 60`;
        a.t1 = n;
      } else if (arg === "--year") a.year = Number(argv.value());
      else if (arg.startsWith("-")) return `unknown option ${arg}`;
      else a.files.push(arg);
    }
  } catch (e) {
    return (e as Error).message;
  }
  if (a.files.length === 0) return "no input file";
  return a;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.some(isHelpOption)) {
    console.log(HELP);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === "string") {
    console.error(`sipscope analyze: ${args}\n\n${HELP}`);
    return 2;
  }
  // A one-shot run: collecting at phase boundaries keeps the peak near the live data (see heap-checkpoint.ts).
  const heapCheckpoint = createHeapCheckpoint();
  let loaded;
  try {
    // --json writes each message DTO as it makes it; the text report reads them all.
    loaded = await loadFiles(args.files, { httpPorts: args.httpPorts, t1: args.t1, year: args.year, messageDtos: !args.json, heapCheckpoint });
  } catch (e) {
    if (e instanceof IngestError) {
      console.error(`sipscope analyze: cannot read ${e.message}`);
      return 1;
    }
    throw e;
  }
  const run = analyzeRun(loaded.model, { summary: loaded.summary, messages: loaded.messages }, { onPhase: heapCheckpoint });
  const result = run.result;
  try {
    return await writeResult(args, result, run.ctx);
  } catch (e) {
    // The reader closed stdout (`| head`): it has what it wanted, as with `cat`.
    if (e instanceof OutputClosed) return 0;
    throw e;
  }
}

async function writeResult(args: Args, result: ReturnType<typeof analyzeRun>["result"], ctx: MessageJsonContext): Promise<number> {
  const doc = result.document;
  if (args.json) {
    await writeJson(doc, ctx);
    return 0;
  }
  if (args.call !== undefined) {
    const call = doc.calls?.find((c) => c.id === args.call || c.callIds.includes(args.call!));
    if (!call) {
      console.error(`sipscope analyze: no call "${args.call}" (use a call id like c1 or a Call-ID; see the call list)`);
      return 1;
    }
    await writeOut(formatCallLadder(result, call.id));
    return 0;
  }
  await writeOut(formatReport(result, { messages: !args.summaryOnly }));
  return 0;
}

/** Past this many entries an array is written one entry per line (a large capture never becomes one huge string). */
const STREAMED_ARRAY = 1000;
/**
 * Text is handed to stdout in pieces of about this many chars: small enough that each piece is a
 * young-generation string (one of several hundred KB would go to the large-object space and stay
 * there, with everything else written, until the next full GC), large enough to keep writes few.
 */
const WRITE_CHARS = 1 << 16;

/**
 * Stream the document: top-level keys in order, large arrays one entry per line. `messages`: the
 * document was analysed without message DTOs; `messages[i]` is written as JSON bytes straight from
 * the analysis (core/analysis/message-json.ts: the same text as its DTO's JSON.stringify).
 */
async function writeJson(doc: AnalysisDocument, messages?: MessageJsonContext): Promise<void> {
  const keys = Object.keys(doc) as (keyof AnalysisDocument)[];
  await writeOut("{\n");
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    const value = doc[key];
    const comma = k < keys.length - 1 ? "," : "";
    if (key === "messages" && messages) {
      await writeMessages(key, messages, comma);
    } else if (Array.isArray(value) && value.length > STREAMED_ARRAY) {
      await writeArray(key, value.length, (i) => value[i], comma);
    } else {
      await writeOut(`${JSON.stringify(key)}: ${JSON.stringify(value)}${comma}\n`);
    }
  }
  await writeOut("}\n");
}

/**
 * One scratch buffer for the pieces: stdout.write(string) would encode each into a fresh buffer,
 * ~50 MB of short-lived native memory for a large capture, which the allocator keeps as RSS.
 */
let scratch: Buffer | undefined;
function writePiece(text: string): Promise<void> {
  scratch ??= Buffer.allocUnsafe(3 * WRITE_CHARS + (1 << 16));
  if (text.length * 3 > scratch.length) return writeOut(text);
  const n = scratch.write(text, "utf8");
  // Resolves once the bytes are written (a pipe may write later): then the buffer is free again.
  return writeBytesOut(scratch.subarray(0, n));
}

async function writeArray(key: string, count: number, at: (i: number) => unknown, comma: string): Promise<void> {
  if (count <= STREAMED_ARRAY) {
    const all: unknown[] = new Array(count);
    for (let i = 0; i < count; i++) all[i] = at(i);
    await writeOut(`${JSON.stringify(key)}: ${JSON.stringify(all)}${comma}\n`);
    return;
  }
  let text = `${JSON.stringify(key)}: [\n`;
  // One entry per line, the closing bracket on a line of its own.
  for (let i = 0; i < count; i++) {
    text += JSON.stringify(at(i));
    text += i < count - 1 ? ",\n" : "\n";
    if (text.length >= WRITE_CHARS) {
      await writePiece(text);
      text = "";
    }
  }
  await writeOut(`${text}]${comma}\n`);
}

/**
 * The `messages` array from the analysis, laid out as writeArray lays out an array: one line when
 * short, else one entry per line. The bytes go to stdout in pieces of about WRITE_CHARS bytes from
 * one buffer, reused once stdout is done with each piece.
 */
async function writeMessages(key: string, ctx: MessageJsonContext, comma: string): Promise<void> {
  const count = ctx.msgs.length;
  const out = new JsonBytes(WRITE_CHARS + (1 << 14));
  out.ascii(`${JSON.stringify(key)}: [`);
  if (count <= STREAMED_ARRAY) {
    for (let i = 0; i < count; i++) {
      if (i) out.ascii(",");
      appendMessageJson(out, ctx, i);
    }
  } else {
    out.ascii("\n");
    for (let i = 0; i < count; i++) {
      appendMessageJson(out, ctx, i);
      out.ascii(i < count - 1 ? ",\n" : "\n");
      if (out.length >= WRITE_CHARS) {
        await writeBytesOut(out.bytes.subarray(0, out.length));
        out.length = 0;
      }
    }
  }
  out.ascii(`]${comma}\n`);
  await writeBytesOut(out.bytes.subarray(0, out.length));
}

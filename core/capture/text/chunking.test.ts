/** Every text reader gives the same output however its input is cut into chunks. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createTextReader, type TextFormat } from "./detect";
import { ascii, collect } from "./test-sinks";

const MSG = "INVITE sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-9\r\nCall-ID: k\r\nCSeq: 1 INVITE\r\nContent-Length: 5\r\n\r\nv=0\r\n";

const FIXTURES: Record<TextFormat, string> = {
  "kamailio-log":
    " 0(1) INFO: <core> [main.c:1]: main(): start\r\nListening on \n  udp: x\n 1(2) INFO: {1 1 INVITE k} <script>: rcv from 10.0.0.1:5060: " +
    MSG +
    "\n 1(2) ERROR: tm [t_fwd.c:1]: t_forward_nonack(): caf\xc3\xa9 failure\nNov 21 05:39:12 h kamailio[3]: WARNING: <script>: w\n 2(3) INFO: <script>: no newline at end",
  sipdump:
    "====================\ntag: rcv\npid: 1\ntime: 10.000001\nproto: udp ipv4\nsrcip: 10.0.0.1\nsrcport: 5060\ndstip: 10.0.0.2\ndstport: 5060\n~~~~~~~~~~~~~~~~~~~~\n" +
    MSG.slice(0, -2) +
    "||||||||||||||||||||\n====================\ntag: snd\n~~~~~~~~~~~~~~~~~~~~\n" +
    MSG +
    "||||||||||||||||||||\n",
  "plain-sip": "U 2024/01/02 03:04:05.1 10.0.0.1:5060 -> 10.0.0.2:5060 #4\n" + MSG.replace(/\r\n/g, ".\n") + "\n\n2024/01/02 03:04:06.000001 10.0.0.2:5060 -> 10.0.0.1:5060\n" + MSG + "---\n" + MSG,
};

function run(format: TextFormat, bytes: Uint8Array, cuts: number[]) {
  const c = collect();
  const r = createTextReader(format, { capture: c.capture, log: c.log }, { year: 2026 });
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    r.push(bytes.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
  }
  r.push(bytes.subarray(at));
  r.end();
  return { pdus: c.pdus, logs: c.logs, problems: c.problems, records: c.records };
}

describe.each(Object.keys(FIXTURES) as TextFormat[])("%s", (format) => {
  const bytes = ascii(FIXTURES[format]);
  const whole = run(format, bytes, []);

  it("reads the fixture", () => {
    expect(whole.pdus.length).toBeGreaterThanOrEqual(1);
    if (format === "kamailio-log") {
      expect(whole.logs.map((l) => l.level)).toEqual(["INFO", "INFO", "ERROR", "WARNING", "INFO"]);
      expect(whole.logs[2].text).toBe("café failure");
      expect(whole.logs[4].text).toBe("no newline at end");
    }
  });

  it("gives the same output byte by byte", () => {
    expect(run(format, bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(whole);
  });

  it("gives the same output for any chunking", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
        expect(run(format, bytes, cuts)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { parseSip } from "./parse";

/** Content-Length read straight from the digits (the usual case) must agree with the text rule: 1-10 digits, whitespace around allowed. */
function msg(cl: string | undefined, body = "abcd"): Uint8Array {
  const lines = ["OPTIONS sip:x SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK-1", "From: <sip:a@x>;tag=1", "To: <sip:b@x>", "Call-ID: c", "CSeq: 1 OPTIONS"];
  if (cl !== undefined) lines.push(`Content-Length:${cl}`);
  return new TextEncoder().encode([...lines, "", body].join("\r\n"));
}

describe("Content-Length", () => {
  const cases: [string | undefined, number | undefined, string | undefined][] = [
    [" 4", 4, undefined],
    ["4", 4, undefined],
    [" 04 ", 4, undefined],
    ["\t2", 2, "2 bytes after the body (Content-Length 2) ignored"],
    [" 9", 9, "Content-Length 9 larger than the 4 bytes present (truncated body)"],
    [" 0000000004", 4, undefined],
    [" 12345678901", undefined, 'bad Content-Length "12345678901"; body taken as the remaining 4 bytes'],
    [" 4a", undefined, 'bad Content-Length "4a"; body taken as the remaining 4 bytes'],
    [" -4", undefined, 'bad Content-Length "-4"; body taken as the remaining 4 bytes'],
    [" ４", undefined, 'bad Content-Length "４"; body taken as the remaining 4 bytes'],
    ["\r\n 4", 4, undefined], // folded onto a continuation line
    ["", undefined, 'bad Content-Length ""; body taken as the remaining 4 bytes'],
    [undefined, undefined, "no Content-Length; body taken as the remaining 4 bytes"],
  ];
  for (const [value, length, problem] of cases) {
    it(JSON.stringify(value), () => {
      const m = parseSip(msg(value));
      expect(m.contentLength).toBe(length);
      expect(m.problems).toEqual(problem === undefined ? [] : [problem]);
      expect(new TextDecoder().decode(m.body)).toBe(length === undefined ? "abcd" : "abcd".slice(0, Math.min(length, 4)));
    });
  }
});

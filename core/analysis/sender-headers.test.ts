/**
 * senderHeaders must answer exactly what the full parse answers (recordRoute[0], contact), or
 * undefined: over table-driven wire texts, every request of the sample and shared captures, and
 * random mutations of a request.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { senderHeaders } from "./sender-headers";
import { parseSip } from "../protocols/sip/parse";
import { loadFiles } from "../node/ingest";
import { repoRoot, sharedDir } from "../../test/shared";

const enc = new TextEncoder();
const wire = (...lines: string[]) => enc.encode(lines.join("\r\n"));

function expectAsParser(raw: Uint8Array, wantContact = true): "fast" | "fallback" {
  const got = senderHeaders(raw, wantContact);
  if (!got) return "fallback";
  const p = parseSip(raw);
  expect(got.recordRoute).toEqual(p.recordRoute[0]);
  expect(got.contact).toEqual(wantContact ? p.contact : []);
  return "fast";
}

const START = "INVITE sip:bob@10.0.0.2 SIP/2.0";
const VIA = "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1";

describe("senderHeaders: table", () => {
  test.each([
    ["plain", [START, VIA, "Record-Route: <sip:10.0.0.1;lr>", "Contact: <sip:a@10.0.0.1:5070;transport=tcp>", "", ""], "fast"],
    ["lower-case names, compact m", [START, VIA, "record-route: <sip:10.0.0.1;lr>, <sip:10.0.0.9;lr>", "m: <sip:a@10.0.0.1>", "", ""], "fast"],
    ["two Contact lines and a list", [START, VIA, "Contact: <sip:a@10.0.0.1>", "CONTACT : \"A, B\" <sip:b@10.0.0.1>, <sip:c@10.0.0.3>", "", ""], "fast"],
    ["first Record-Route unparsable", [START, VIA, "Record-Route: ", "Record-Route: <sip:10.0.0.7;lr>", "", ""], "fast"],
    ["no Record-Route, no Contact", [START, VIA, "CSeq: 1 INVITE", "", ""], "fast"],
    ["LF line ends", [START, VIA, "Contact: <sip:a@10.0.0.1>", "", ""].join("\n").split("\r\n"), "fast"],
    ["leading CRLF", ["", START, VIA, "Contact: <sip:a@10.0.0.1>", "", ""], "fast"],
    ["folded Contact", [START, VIA, "Contact:", " <sip:a@10.0.0.1>", "", ""], "fallback"],
    ["non-ASCII value", [START, VIA, "Contact: \"Zoë\" <sip:a@10.0.0.1>", "", ""], "fallback"],
    ["header line without colon", [START, VIA, "garbage", "Contact: <sip:a@10.0.0.1>", "", ""], "fallback"],
    ["unterminated headers", [START, VIA, "Contact: <sip:a@10.0.0.1>"], "fallback"],
    ["junk before the start line", ["%%junk", START, VIA, "Contact: <sip:a@10.0.0.1>", "", ""], "fallback"],
  ] as const)("%s", (_name, lines, want) => {
    expect(expectAsParser(wire(...lines))).toBe(want);
  });

  test("contact not asked for: empty", () => {
    const got = senderHeaders(wire(START, VIA, "Contact: <sip:a@10.0.0.1>", "", ""), false);
    expect(got).toEqual({ recordRoute: undefined, contact: [] });
  });
});

describe("senderHeaders: mutated requests", () => {
  const base = [START, VIA, "Record-Route: <sip:10.0.0.1;lr;transport=tcp>", "From: <sip:a@x>;tag=1", "Contact: <sip:a@10.0.0.1:5070>", "m: sip:c@10.0.0.3", "Content-Length: 0", "", ""].join("\r\n");
  test("agree with the parser or fall back", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length), fc.constantFrom(" ", "\t", "\r", "\n", ":", ",", "<", ">", "\"", "m", "M", "é", "x", "")), { maxLength: 6 }), fc.boolean(), (edits, wantContact) => {
        let text = base;
        for (const [at, ch] of edits) text = text.slice(0, at) + ch + text.slice(at + 1);
        expectAsParser(enc.encode(text), wantContact);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("senderHeaders: every request of the captures", () => {
  const files: string[] = [];
  const samples = path.join(repoRoot, "samples");
  for (const f of readdirSync(samples)) if (/\.pcap(ng)?$/.test(f)) files.push(path.join(samples, f));
  if (sharedDir) {
    const pub = path.join(sharedDir, "captures", "public");
    if (existsSync(pub)) for (const f of readdirSync(pub)) if (/\.pcap/.test(f)) files.push(path.join(pub, f));
  } else console.log("shared captures absent (../shared): only the samples are checked");
  test("the same as the full parse", async () => {
    let fast = 0;
    for (const f of files) {
      let loaded;
      try {
        loaded = await loadFiles([f], { messageDtos: false });
      } catch {
        continue;
      }
      for (const m of loaded.model.messages) {
        const sip = m.sip;
        if (sip?.kind !== "request") continue;
        if (expectAsParser(sip.raw) === "fast") fast++;
      }
    }
    expect(fast).toBeGreaterThan(100);
  }, 120_000);
});

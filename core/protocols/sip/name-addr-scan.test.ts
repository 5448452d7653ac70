/**
 * scanCommonNameAddr is a fast path beside parseNameAddr: whenever it accepts a From/To value,
 * parseNameAddr must give a NameAddr with a URI whose tag, URI user and shortAddress are the
 * texts of the ranges it found. Checked on a table of shapes and on random and mutated text
 * (whole messages and real captures: fast-reads.test.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nameAddrParts, parseNameAddr, scanCommonNameAddr, shortAddress } from "./name-addr";
import { editedText } from "./test-wire";
import { decodeText, encodeText } from "./text";

/** scanCommonNameAddr agrees with parseNameAddr on this value; returns whether it took the fast path. */
function agrees(text: string): boolean {
  const b = encodeText(text);
  if (!scanCommonNameAddr(b, 0, b.length)) return false;
  const p = nameAddrParts;
  const fast = {
    tag: p[5] < 0 ? undefined : decodeText(b, p[5], p[6]),
    user: p[0] < 0 ? undefined : decodeText(b, p[0], p[1]),
    address: decodeText(b, p[0] >= 0 ? p[0] : p[2], p[4] >= 0 ? p[4] : p[3]),
  };
  const full = parseNameAddr(text);
  expect(full?.uri, text).toBeDefined();
  expect(fast, text).toEqual({ tag: full!.tag, user: full!.uri!.user, address: shortAddress(full) });
  return true;
}

const COMMON = [
  '"Alice 12" <sip:alice12@example.com>;tag=f12',
  "<sip:bob12@example.com>",
  "<sip:bob12@10.0.2.13:5060>;tag=t12;x=y",
  "Bob <sips:bob@b.example.org;transport=tls>;TAG=Up",
  '"" <sip:+15551234567@carrier.example;user=phone>;tag=a;tag=b',
  "<sip:example.com:65535;lr>;tag",
  "<sip:h>;tag=;x",
  "<sip:h>;x=1;tag=a=b;;",
  "Display Name With Spaces <sip:u.s-e_r!~*'()&=+$,@h>;Tag=x",
  '"a<b>c" <sip:a@b>',
  "<sip:a@b>;tag=1;tag2=2",
];

const DECLINED = [
  '"esc\\"aped" <sip:a@b>',
  "sip:alice@example.com;tag=1",
  "<sip:a@[2001:db8::1]>",
  "<sip:a%20b@h>",
  "<sip:a:pw@h>",
  "<SIP:a@h>",
  "<tel:+1555>",
  "<sip:a@h:05060>",
  "<sip:a@h:0>",
  "<sip:a@h:65536>",
  "<sip:a@h:123456>",
  "<sip:a@h?subject=x>",
  "<sip:h;x=a@b>",
  "<sip:@h>",
  "<sip:a@>",
  "<sip:a@h> ;tag=1",
  "<sip:a@h>x;tag=1",
  "<sip:a@h>;tag=\"q\"",
  "<sip:a@h>;tag=1, <sip:b@h>",
  "<sip:a@h>;tag= 1",
  "<sip:a@h",
  "< sip:a@h>",
  "<sip:a@h >",
  "a > b <sip:a@h>",
  "*",
  "",
];

describe("scanCommonNameAddr agrees with parseNameAddr", () => {
  it("takes the common shapes, and reads them as parseNameAddr does", () => {
    for (const text of COMMON) expect(agrees(text), text).toBe(true);
  });

  it("declines what it does not know (the full parser decides those)", () => {
    for (const text of DECLINED) expect(agrees(text), text).toBe(false);
  });

  it("random name-addr-like text", () => {
    const alphabet = fc.constantFrom(...'sip:S<>@"\\ ;=,?%[]:0123456789abtagTAG.-_é\t'.split(""));
    const prefix = fc.constantFrom("<sip:", '"A" <sip:', "B <sips:", "");
    fc.assert(fc.property(prefix, fc.array(alphabet, { maxLength: 50 }), (p, chars) => void agrees(p + chars.join(""))), { numRuns: 5000 });
  });

  it("mutations of common values", () => {
    const edit = fc.tuple(fc.nat(60), fc.constantFrom(...' ;:=,"<>@?%[]\\0Aé'.split("")), fc.boolean());
    fc.assert(
      fc.property(fc.constantFrom(...COMMON), fc.array(edit, { maxLength: 4 }), (base, edits) => void agrees(editedText(base, edits))),
      { numRuns: 5000 },
    );
  });
});

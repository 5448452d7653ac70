/**
 * Diameter message decoder (RFC 6733 §3, §4). Pure and total: any bytes give a DiameterMessage;
 * anything wrong (short header, bad version, truncated or absurd lengths, padding, grouped AVPs
 * that do not parse) is listed in `problems`, never thrown. Unknown AVPs are shown raw.
 */
import type { DiameterAvp, DiameterMessage } from "./types";
import { APP_CX, VENDOR_3GPP, applicationName, avpDef, commandNames, experimentalResultCodeName, resultCodeName } from "./dictionary";
import type { AvpDef } from "./dictionary";
import { decodeText } from "../sip/text";
import { diameterLength } from "../../capture/framing/diameter";

const HEADER_LEN = 20;
/** Grouped AVPs nest; real dictionaries go ~6 deep. The cap only stops hostile recursion. */
const MAX_DEPTH = 64;
const NTP_UNIX_OFFSET = 2208988800;

export function decodeDiameter(bytes: Uint8Array): DiameterMessage {
  const problems: string[] = [];
  const msg: DiameterMessage = {
    raw: bytes,
    version: 0,
    length: 0,
    flags: { request: false, proxiable: false, error: false, retransmit: false },
    commandCode: 0,
    name: "",
    longName: "",
    applicationId: 0,
    hopByHop: 0,
    endToEnd: 0,
    avps: [],
    problems,
  };
  try {
    if (bytes.length < HEADER_LEN) {
      problems.push(`message too short for a Diameter header: ${bytes.length} bytes`);
      const names = commandNames(0, false);
      msg.name = names.name;
      msg.longName = names.longName;
      return msg;
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    msg.version = bytes[0];
    msg.length = (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
    const f = bytes[4];
    msg.flags = { request: (f & 0x80) !== 0, proxiable: (f & 0x40) !== 0, error: (f & 0x20) !== 0, retransmit: (f & 0x10) !== 0 };
    msg.commandCode = (bytes[5] << 16) | (bytes[6] << 8) | bytes[7];
    msg.applicationId = dv.getUint32(8);
    msg.hopByHop = dv.getUint32(12);
    msg.endToEnd = dv.getUint32(16);
    const names = commandNames(msg.commandCode, msg.flags.request);
    msg.name = names.name;
    msg.longName = names.longName;
    msg.applicationName = applicationName(msg.applicationId);
    if (msg.version !== 1) problems.push(`unsupported Diameter version ${msg.version}`);
    if (f & 0x0f) problems.push(`reserved command flag bits set (0x${(f & 0x0f).toString(16)})`);
    if (msg.flags.request && msg.flags.error) problems.push("E bit set on a request");
    let end = msg.length;
    if (msg.length < HEADER_LEN) {
      problems.push(`message length ${msg.length} shorter than the header`);
      end = bytes.length;
    } else if (msg.length > bytes.length) {
      problems.push(`message length ${msg.length} but only ${bytes.length} bytes present (truncated)`);
      end = bytes.length;
    } else if (msg.length < bytes.length) {
      problems.push(`${bytes.length - msg.length} bytes after the message ignored`);
    }
    if (msg.length % 4 !== 0) problems.push(`message length ${msg.length} is not a multiple of 4`);
    msg.avps = decodeAvps(bytes, dv, HEADER_LEN, end, 0, problems, "");
    fillConvenience(msg);
  } catch (e) {
    problems.push(`internal decoder error: ${String(e)}`);
  }
  return msg;
}

/**
 * For peers that act on what they receive (the engine's HSS and S-CSCF): the decoded message when
 * `bytes` start with one whole, plausible Diameter message (capture framing's header checks),
 * undefined otherwise. decodeDiameter itself never refuses, which suits the analyzer, not a peer.
 */
export function decodeDiameterFrame(bytes: Uint8Array): DiameterMessage | undefined {
  const len = diameterLength(bytes, 0, bytes.length, false);
  if (len <= 0 || len > bytes.length) return undefined;
  return decodeDiameter(len === bytes.length ? bytes : bytes.subarray(0, len));
}

/** Decode the AVPs in [start, end) of `bytes`; offsets in results are absolute. */
function decodeAvps(bytes: Uint8Array, dv: DataView, start: number, end: number, depth: number, problems: string[], path: string): DiameterAvp[] {
  const avps: DiameterAvp[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 8) {
      problems.push(`${path}${end - p} stray bytes at offset ${p} (too short for an AVP header)`);
      break;
    }
    const code = dv.getUint32(p);
    const flags = bytes[p + 4];
    const len = (bytes[p + 5] << 16) | (bytes[p + 6] << 8) | bytes[p + 7];
    const vendorBit = (flags & 0x80) !== 0;
    const hdr = vendorBit ? 12 : 8;
    if (len < hdr) {
      problems.push(`${path}AVP ${code} at offset ${p}: length ${len} shorter than its ${hdr}-byte header`);
      break;
    }
    if (p + len > end) {
      problems.push(`${path}AVP ${code} at offset ${p}: length ${len} runs past the end (${end - p} bytes left)`);
      break;
    }
    const vendorId = vendorBit ? dv.getUint32(p + 8) : undefined;
    const def = avpDef(code, vendorId ?? 0);
    const data = bytes.subarray(p + hdr, p + len);
    const avp: DiameterAvp = {
      code,
      flags: { vendor: vendorBit, mandatory: (flags & 0x40) !== 0, protected: (flags & 0x20) !== 0 },
      name: def?.name ?? (vendorId ? `AVP-${vendorId}:${code}` : `AVP-${code}`),
      type: def?.type ?? "Unknown",
      data,
      offset: p,
      length: len,
    };
    if (vendorId !== undefined) avp.vendorId = vendorId;
    if (flags & 0x1f) problems.push(`${path}${avp.name}: reserved AVP flag bits set`);
    const here = `${path}${avp.name}: `;
    if (def?.type === "Grouped") {
      if (depth >= MAX_DEPTH) problems.push(`${here}grouped AVPs nested deeper than ${MAX_DEPTH}; not decoded`);
      else avp.children = decodeAvps(bytes, dv, p + hdr, p + len, depth + 1, problems, `${path}${avp.name}/`);
    } else {
      decodeValue(avp, def, dv, p + hdr, problems, here);
    }
    avps.push(avp);
    const padded = p + ((len + 3) & ~3);
    // The last AVP's padding may be missing when the message length excludes it; tolerate that.
    p = padded > end ? end : padded;
  }
  return avps;
}

function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f || c === 0xfffd) return false;
  }
  return true;
}

export function toHex(data: Uint8Array): string {
  let s = "0x";
  for (let i = 0; i < data.length; i++) s += (data[i] < 16 ? "0" : "") + data[i].toString(16);
  return s;
}

function formatIpv6(d: Uint8Array, off: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((d[off + 2 * i] << 8) | d[off + 2 * i + 1]);
  // Longest run of zero groups (length >= 2) becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

function decodeValue(avp: DiameterAvp, def: AvpDef | undefined, dv: DataView, at: number, problems: string[], here: string): void {
  const d = avp.data;
  const type = def?.type;
  const fixed = (n: number): boolean => {
    if (d.length === n) return true;
    problems.push(`${here}${type} needs ${n} bytes, has ${d.length}`);
    avp.value = toHex(d);
    return false;
  };
  switch (type) {
    case "UTF8String":
    case "OctetString":
    case "DiameterIdentity":
    case "DiameterURI": {
      const text = decodeText(d);
      avp.value = isPrintable(text) ? text : toHex(d);
      return;
    }
    case "Integer32":
    case "Enumerated":
      if (fixed(4)) avp.value = dv.getInt32(at);
      break;
    case "Unsigned32":
      if (fixed(4)) avp.value = dv.getUint32(at);
      break;
    case "Integer64":
    case "Unsigned64":
      if (fixed(8)) {
        const big = type === "Integer64" ? dv.getBigInt64(at) : dv.getBigUint64(at);
        const n = Number(big);
        avp.value = Number.isSafeInteger(n) ? n : big.toString();
      }
      break;
    case "Float32":
      if (fixed(4)) avp.value = dv.getFloat32(at);
      break;
    case "Float64":
      if (fixed(8)) avp.value = dv.getFloat64(at);
      break;
    case "Time":
      if (fixed(4)) {
        const ntp = dv.getUint32(at);
        // RFC 6733 §4.3.1: NTP era rolls over in 2036; values with the top bit clear are era 1.
        const unix = ntp - NTP_UNIX_OFFSET + ((ntp & 0x80000000) === 0 ? 4294967296 : 0);
        avp.value = new Date(unix * 1000).toISOString();
      }
      break;
    case "Address": {
      const fam = d.length >= 2 ? (d[0] << 8) | d[1] : -1;
      if (fam === 1 && d.length === 6) avp.value = `${d[2]}.${d[3]}.${d[4]}.${d[5]}`;
      else if (fam === 2 && d.length === 18) avp.value = formatIpv6(d, 2);
      else {
        if (fam !== 1 && fam !== 2) problems.push(`${here}address family ${fam} shown raw`);
        else problems.push(`${here}address of family ${fam} has ${d.length - 2} bytes`);
        avp.value = toHex(d);
      }
      return;
    }
    default:
      // Unknown AVP: raw bytes, no judgement.
      avp.value = toHex(d);
      return;
  }
  if (typeof avp.value !== "number") return;
  const enumName = enumNameFor(avp, def);
  if (enumName) avp.enumName = enumName;
}

function enumNameFor(avp: DiameterAvp, def: AvpDef | undefined): string | undefined {
  const v = avp.value as number;
  if (def?.enums) return def.enums[v];
  if (!avp.vendorId) {
    if (avp.code === 268) return resultCodeName(v);
    if (avp.code === 298) return experimentalResultCodeName(v) ?? resultCodeName(v);
    if (avp.code === 258 || avp.code === 259) return applicationName(v);
    if (avp.code === 266 || avp.code === 265) return v === VENDOR_3GPP ? "3GPP" : v === 0 ? "IETF" : undefined;
  }
  return undefined;
}

function fillConvenience(msg: DiameterMessage): void {
  for (const a of msg.avps) {
    if (a.vendorId === undefined) {
      if (a.code === 263 && msg.sessionId === undefined && typeof a.value === "string") msg.sessionId = a.value;
      else if (a.code === 268 && msg.resultCode === undefined && typeof a.value === "number") msg.resultCode = a.value;
      else if (a.code === 1 && msg.userName === undefined && typeof a.value === "string") msg.userName = a.value;
      else if (a.code === 297 && msg.experimentalResultCode === undefined) {
        const c = a.children?.find((x) => x.code === 298 && x.vendorId === undefined);
        if (c && typeof c.value === "number") msg.experimentalResultCode = c.value;
      }
    } else if (a.vendorId === VENDOR_3GPP && a.code === 601 && msg.publicIdentity === undefined && typeof a.value === "string") {
      msg.publicIdentity = a.value;
    }
  }
}

/** First AVP with this name (or code [+ vendor]) anywhere in the tree, depth-first. */
export function findAvp(avps: readonly DiameterAvp[], nameOrCode: string | number, vendorId?: number): DiameterAvp | undefined {
  for (const a of avps) {
    if (typeof nameOrCode === "string" ? a.name === nameOrCode : a.code === nameOrCode && (vendorId === undefined || (a.vendorId ?? 0) === vendorId)) return a;
    if (a.children) {
      const c = findAvp(a.children, nameOrCode, vendorId);
      if (c) return c;
    }
  }
  return undefined;
}

/** All AVPs with this name anywhere in the tree, depth-first order. */
export function findAvps(avps: readonly DiameterAvp[], name: string, out: DiameterAvp[] = []): DiameterAvp[] {
  for (const a of avps) {
    if (a.name === name) out.push(a);
    if (a.children) findAvps(a.children, name, out);
  }
  return out;
}

/** True when the message belongs to the Cx/Dx interface. */
export function isCx(msg: DiameterMessage): boolean {
  return msg.applicationId === APP_CX || (msg.commandCode >= 300 && msg.commandCode <= 305);
}

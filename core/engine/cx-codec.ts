/**
 * The few Diameter pieces the S-CSCF and the embedded HSS exchange (RFC 6733 framing, 3GPP TS
 * 29.228/29.229 Cx AVPs): build messages from AVP trees and read them back. Deliberately small —
 * the full decoder with the dictionary lives in core/protocols/diameter for the analyzer; this
 * side only has to *write* correct Cx and read the answers it asked for.
 */
import { encodeText, decodeText } from "../protocols/sip/text";

export const VENDOR_3GPP = 10415;
export const CX_APP_ID = 16777216;
export const CMD = { CER: 257, SAR: 301, MAR: 303 } as const;

export const AVP = {
  UserName: 1,
  SessionId: 263,
  OriginHost: 264,
  OriginRealm: 296,
  DestinationHost: 293,
  DestinationRealm: 283,
  HostIpAddress: 257,
  VendorId: 266,
  ProductName: 269,
  ResultCode: 268,
  AuthApplicationId: 258,
  AuthSessionState: 277,
  VendorSpecificApplicationId: 260,
  ExperimentalResult: 297,
  ExperimentalResultCode: 298,
  DigestRealm: 104,
  DigestQop: 110,
  DigestHA1: 121,
  // 3GPP (vendor 10415)
  PublicIdentity: 601,
  ServerName: 602,
  SipNumberAuthItems: 607,
  SipAuthenticationScheme: 608,
  SipAuthenticate: 609,
  SipAuthDataItem: 612,
  SipItemNumber: 613,
  ServerAssignmentType: 614,
  UserData: 606,
  UserDataAlreadyAvailable: 624,
  SipDigestAuthenticate: 635,
} as const;

const VENDOR_AVPS = new Set<number>([601, 602, 606, 607, 608, 609, 612, 613, 614, 624, 635]);
const GROUPED = new Set<number>([260, 297, 612, 635]);

export interface Avp {
  code: number;
  vendor?: number;
  value: string | number | Uint8Array | Avp[];
  /** Unsigned32 when value is a number (default), or "u64". */
  width?: "u32" | "u64";
}

export function avp(code: number, value: Avp["value"]): Avp {
  return { code, vendor: VENDOR_AVPS.has(code) ? VENDOR_3GPP : undefined, value };
}

function avpData(a: Avp): Uint8Array {
  const v = a.value;
  if (typeof v === "string") return encodeText(v);
  if (typeof v === "number") {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0);
    return b;
  }
  if (v instanceof Uint8Array) return v;
  return concat(v.map(encodeAvp));
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeAvp(a: Avp): Uint8Array {
  const data = avpData(a);
  const hdr = a.vendor ? 12 : 8;
  const len = hdr + data.length;
  const out = new Uint8Array((len + 3) & ~3);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, a.code);
  out[4] = (a.vendor ? 0x80 : 0) | 0x40; // V, M
  out[5] = (len >> 16) & 0xff;
  out[6] = (len >> 8) & 0xff;
  out[7] = len & 0xff;
  if (a.vendor) dv.setUint32(8, a.vendor);
  out.set(data, hdr);
  return out;
}

export interface CxMessage {
  request: boolean;
  command: number;
  appId: number;
  hopByHop: number;
  endToEnd: number;
  avps: Avp[];
}

export function encodeCx(m: CxMessage): Uint8Array {
  const body = concat(m.avps.map(encodeAvp));
  const out = new Uint8Array(20 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, (1 << 24) | out.length);
  dv.setUint32(4, ((m.request ? 0xc0 : 0x40) << 24) | m.command); // R + P (request) / P (answer)
  dv.setUint32(8, m.appId);
  dv.setUint32(12, m.hopByHop >>> 0);
  dv.setUint32(16, m.endToEnd >>> 0);
  out.set(body, 20);
  return out;
}

function decodeAvps(b: Uint8Array, start: number, end: number): Avp[] {
  const out: Avp[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = start;
  while (o + 8 <= end) {
    const code = dv.getUint32(o);
    const flags = b[o + 4];
    const len = (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7];
    if (len < 8 || o + len > end) break;
    const vendor = flags & 0x80 ? dv.getUint32(o + 8) : undefined;
    const hdr = vendor !== undefined ? 12 : 8;
    const data = b.subarray(o + hdr, o + len);
    out.push({ code, vendor, value: GROUPED.has(code) ? decodeAvps(b, o + hdr, o + len) : data });
    o += (len + 3) & ~3;
  }
  return out;
}

/** Decode one whole Diameter message; undefined when the bytes are not one. */
export function decodeCx(b: Uint8Array): CxMessage | undefined {
  if (b.length < 20 || b[0] !== 1) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = dv.getUint32(0) & 0xffffff;
  if (len > b.length || len < 20) return undefined;
  return {
    request: (b[4] & 0x80) !== 0,
    command: dv.getUint32(4) & 0xffffff,
    appId: dv.getUint32(8),
    hopByHop: dv.getUint32(12),
    endToEnd: dv.getUint32(16),
    avps: decodeAvps(b, 20, len),
  };
}

export function findAvp(avps: readonly Avp[] | undefined, code: number): Avp | undefined {
  return avps?.find((a) => a.code === code);
}

export function avpText(a: Avp | undefined): string | undefined {
  if (!a) return undefined;
  if (typeof a.value === "string") return a.value;
  if (a.value instanceof Uint8Array) return decodeText(a.value);
  return undefined;
}

export function avpU32(a: Avp | undefined): number | undefined {
  if (!a) return undefined;
  if (typeof a.value === "number") return a.value;
  if (a.value instanceof Uint8Array && a.value.length >= 4) return new DataView(a.value.buffer, a.value.byteOffset, 4).getUint32(0);
  return undefined;
}

/** Result-Code, or Experimental-Result-Code inside Experimental-Result. */
export function resultOf(m: CxMessage): number | undefined {
  const rc = avpU32(findAvp(m.avps, AVP.ResultCode));
  if (rc !== undefined) return rc;
  const er = findAvp(m.avps, AVP.ExperimentalResult);
  return Array.isArray(er?.value) ? avpU32(findAvp(er.value, AVP.ExperimentalResultCode)) : undefined;
}

/** Total length of the Diameter message at the start of `b` (for stream framing), or undefined if not yet known. */
export function diameterFrameLength(b: Uint8Array): number | undefined {
  if (b.length < 4) return undefined;
  return ((b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

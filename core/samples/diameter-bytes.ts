/**
 * Diameter (RFC 6733) bytes for synthetic samples: a header and AVPs, grouped AVPs nested, vendor
 * AVPs with the V bit and Vendor-Id, 4-byte padding. Only what the samples need (Cx/Dx and DWR).
 */
import { concatBytes } from "../capture/bytes";
import { utf8 } from "../capture/packet-builder";

export const CX_APP = 16777216;
export const VENDOR_3GPP = 10415;

export interface AvpSpec {
  code: number;
  vendor?: number;
  mandatory?: boolean;
  value: string | number | Uint8Array | AvpSpec[];
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}


export function avp(a: AvpSpec): Uint8Array {
  const data = Array.isArray(a.value) ? concatBytes(a.value.map(avp)) : typeof a.value === "number" ? u32(a.value) : typeof a.value === "string" ? utf8(a.value) : a.value;
  const hl = a.vendor !== undefined ? 12 : 8;
  const len = hl + data.length;
  const out = new Uint8Array((len + 3) & ~3);
  const v = new DataView(out.buffer);
  v.setUint32(0, a.code);
  v.setUint32(4, len);
  out[4] = (a.vendor !== undefined ? 0x80 : 0) | (a.mandatory === false ? 0 : 0x40);
  if (a.vendor !== undefined) v.setUint32(8, a.vendor);
  out.set(data, hl);
  return out;
}

export function diameterMessage(m: { command: number; request: boolean; app: number; hopByHop: number; endToEnd: number; avps: AvpSpec[]; proxiable?: boolean }): Uint8Array {
  const body = concatBytes(m.avps.map(avp));
  const out = new Uint8Array(20 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 20 + body.length);
  out[0] = 1;
  v.setUint32(4, m.command);
  out[4] = (m.request ? 0x80 : 0) | (m.proxiable === false ? 0 : 0x40);
  v.setUint32(8, m.app);
  v.setUint32(12, m.hopByHop >>> 0);
  v.setUint32(16, m.endToEnd >>> 0);
  out.set(body, 20);
  return out;
}

/** Common Cx AVPs. */
export const AVP = {
  sessionId: (s: string): AvpSpec => ({ code: 263, value: s }),
  originHost: (s: string): AvpSpec => ({ code: 264, value: s }),
  originRealm: (s: string): AvpSpec => ({ code: 296, value: s }),
  destinationRealm: (s: string): AvpSpec => ({ code: 283, value: s }),
  authSessionState: (): AvpSpec => ({ code: 277, value: 1 }),
  cxApp: (): AvpSpec => ({ code: 260, value: [{ code: 266, value: VENDOR_3GPP }, { code: 258, value: CX_APP }] }),
  userName: (s: string): AvpSpec => ({ code: 1, value: s }),
  publicIdentity: (s: string): AvpSpec => ({ code: 601, vendor: VENDOR_3GPP, value: s }),
  serverName: (s: string): AvpSpec => ({ code: 602, vendor: VENDOR_3GPP, value: s }),
  resultCode: (n: number): AvpSpec => ({ code: 268, value: n }),
  experimentalResult: (n: number): AvpSpec => ({ code: 297, value: [{ code: 266, value: VENDOR_3GPP }, { code: 298, value: n }] }),
  authItems: (n: number): AvpSpec => ({ code: 607, vendor: VENDOR_3GPP, value: n }),
  authDataItem: (): AvpSpec => ({
    code: 612,
    vendor: VENDOR_3GPP,
    value: [
      { code: 608, vendor: VENDOR_3GPP, value: "Digest-AKAv1-MD5" },
      { code: 609, vendor: VENDOR_3GPP, value: new Uint8Array(32).fill(0x5a) },
      { code: 610, vendor: VENDOR_3GPP, value: new Uint8Array(16).fill(0x3c) },
    ],
  }),
  serverAssignmentType: (n: number): AvpSpec => ({ code: 614, vendor: VENDOR_3GPP, value: n }),
};

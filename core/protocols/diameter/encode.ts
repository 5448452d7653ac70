/**
 * Diameter encoder (RFC 6733 §3, §4): messages from a header description and an AVP tree given
 * by dictionary name ("Session-Id") or by code. Values are encoded by the AVP's dictionary type;
 * vendor AVPs get the V bit and Vendor-Id, and the M bit defaults to what the dictionary says.
 * Used by the built-in engine (HSS, S-CSCF) and by tests to make fixtures.
 * Unlike the decoder this throws on programmer errors (unknown AVP name, wrong value type).
 */
import { APP_CX, VENDOR_3GPP, avpByName, avpDef, commandCodeByName } from "./dictionary";
import type { AvpType } from "./dictionary";
import { concatBytes, encodeText } from "../sip/text";

export type AvpValue = string | number | bigint | Uint8Array | Date;

export interface AvpInput {
  /** Dictionary name; or give code (+ vendorId, type) for AVPs the dictionary does not know. */
  name?: string;
  code?: number;
  vendorId?: number;
  type?: AvpType;
  mandatory?: boolean;
  protected?: boolean;
  /** For Enumerated, a number or the value's name ("REGISTRATION"). */
  value?: AvpValue;
  children?: AvpInput[];
}

export interface DiameterInput {
  /** Command code or short name ("MAR", "MAA"; the name also sets `request`). */
  command: number | string;
  request?: boolean;
  applicationId?: number;
  hopByHop: number;
  endToEnd: number;
  /** Default: true, except CER/CEA, DWR/DWA, DPR/DPA which RFC 6733 marks non-proxiable. */
  proxiable?: boolean;
  error?: boolean;
  retransmit?: boolean;
  avps: AvpInput[];
}

const NTP_UNIX_OFFSET = 2208988800;

export function encodeDiameter(input: DiameterInput): Uint8Array {
  let code: number;
  let request = input.request;
  if (typeof input.command === "string") {
    const c = commandCodeByName(input.command);
    if (!c) throw new Error(`unknown Diameter command "${input.command}"`);
    code = c.code;
    request ??= c.request;
  } else code = input.command;
  request ??= true;
  const body = concatBytes(input.avps.map(encodeAvp));
  const len = 20 + body.length;
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  const proxiable = input.proxiable ?? !(code === 257 || code === 280 || code === 282);
  out[0] = 1;
  out[1] = (len >>> 16) & 0xff;
  out[2] = (len >>> 8) & 0xff;
  out[3] = len & 0xff;
  out[4] = (request ? 0x80 : 0) | (proxiable ? 0x40 : 0) | (input.error ? 0x20 : 0) | (input.retransmit ? 0x10 : 0);
  out[5] = (code >>> 16) & 0xff;
  out[6] = (code >>> 8) & 0xff;
  out[7] = code & 0xff;
  dv.setUint32(8, (input.applicationId ?? 0) >>> 0);
  dv.setUint32(12, input.hopByHop >>> 0);
  dv.setUint32(16, input.endToEnd >>> 0);
  out.set(body, 20);
  return out;
}

/** One AVP with header and padding. */
export function encodeAvp(a: AvpInput): Uint8Array {
  const def = a.name !== undefined ? avpByName(a.name) : a.code !== undefined ? avpDef(a.code, a.vendorId ?? 0) : undefined;
  if (a.name !== undefined && !def && a.code === undefined) throw new Error(`unknown AVP "${a.name}" (give code and type)`);
  const code = a.code ?? def!.code;
  const vendorId = a.vendorId ?? (def?.vendorId || undefined);
  const type = a.type ?? def?.type ?? (a.children ? "Grouped" : "OctetString");
  const data = type === "Grouped" ? concatBytes((a.children ?? []).map(encodeAvp)) : encodeValue(type, a.value, def?.enums, a.name ?? String(code));
  const hdr = vendorId ? 12 : 8;
  const len = hdr + data.length;
  const padded = (len + 3) & ~3;
  const out = new Uint8Array(padded);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, code >>> 0);
  const mandatory = a.mandatory ?? def?.mandatory ?? true;
  out[4] = (vendorId ? 0x80 : 0) | (mandatory ? 0x40 : 0) | (a.protected ? 0x20 : 0);
  out[5] = (len >>> 16) & 0xff;
  out[6] = (len >>> 8) & 0xff;
  out[7] = len & 0xff;
  if (vendorId) dv.setUint32(8, vendorId >>> 0);
  out.set(data, hdr);
  return out;
}

function num(v: AvpValue | undefined, what: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  throw new Error(`${what}: expected a number, got ${typeof v}`);
}

function encodeValue(type: AvpType, v: AvpValue | undefined, enums: Record<number, string> | undefined, what: string): Uint8Array {
  switch (type) {
    case "OctetString":
    case "UTF8String":
    case "DiameterIdentity":
    case "DiameterURI":
      if (v instanceof Uint8Array) return v;
      if (typeof v === "string") return encodeText(v);
      throw new Error(`${what}: expected a string or bytes`);
    case "Integer32":
    case "Unsigned32":
    case "Enumerated": {
      let n: number;
      if (typeof v === "string" && enums) {
        const hit = Object.entries(enums).find(([, name]) => name === v);
        if (!hit) throw new Error(`${what}: no enumerated value named "${v}"`);
        n = Number(hit[0]);
      } else n = num(v, what);
      const out = new Uint8Array(4);
      if (type === "Unsigned32") new DataView(out.buffer).setUint32(0, n >>> 0);
      else new DataView(out.buffer).setInt32(0, n | 0);
      return out;
    }
    case "Integer64":
    case "Unsigned64": {
      const out = new Uint8Array(8);
      const b = typeof v === "bigint" ? v : BigInt(num(v, what));
      if (type === "Integer64") new DataView(out.buffer).setBigInt64(0, b);
      else new DataView(out.buffer).setBigUint64(0, b);
      return out;
    }
    case "Float32": {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setFloat32(0, num(v, what));
      return out;
    }
    case "Float64": {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, num(v, what));
      return out;
    }
    case "Time": {
      const unix = v instanceof Date ? Math.floor(v.getTime() / 1000) : typeof v === "string" ? Math.floor(new Date(v).getTime() / 1000) : num(v, what);
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, (unix + NTP_UNIX_OFFSET) >>> 0);
      return out;
    }
    case "Address": {
      if (v instanceof Uint8Array) return v;
      if (typeof v !== "string") throw new Error(`${what}: expected an IP address string`);
      return encodeAddress(v, what);
    }
    case "Grouped":
      throw new Error(`${what}: grouped AVP needs children`);
  }
}

function encodeAddress(ip: string, what: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) return new Uint8Array([0, 1, ...v4.slice(1).map(Number)]);
  const out = new Uint8Array(18);
  out[1] = 2;
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  if (tail === undefined && h.length !== 8) throw new Error(`${what}: bad IPv6 address "${ip}"`);
  const groups = [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t];
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 + 2 * i] = (n >> 8) & 0xff;
    out[3 + 2 * i] = n & 0xff;
  });
  return out;
}

/** AVP by dictionary name: avp("Session-Id", "scscf;1;2"). */
export function avp(name: string, value: AvpValue, opts: Omit<AvpInput, "name" | "value" | "children"> = {}): AvpInput {
  return { ...opts, name, value };
}

/** Grouped AVP by dictionary name. */
export function group(name: string, children: AvpInput[], opts: Omit<AvpInput, "name" | "value" | "children"> = {}): AvpInput {
  return { ...opts, name, children };
}

/** Vendor-Specific-Application-Id { Vendor-Id, Auth-Application-Id } (default: 3GPP Cx). */
export function vendorSpecificAppId(authApplicationId = APP_CX, vendorId = VENDOR_3GPP): AvpInput {
  return group("Vendor-Specific-Application-Id", [avp("Vendor-Id", vendorId), avp("Auth-Application-Id", authApplicationId)]);
}

/** Experimental-Result { Vendor-Id, Experimental-Result-Code } (default vendor 3GPP). */
export function experimentalResult(code: number, vendorId = VENDOR_3GPP): AvpInput {
  return group("Experimental-Result", [avp("Vendor-Id", vendorId), avp("Experimental-Result-Code", code)]);
}

/** Bytes from a hex string ("0x" prefix, spaces and colons allowed). */
export function hexToBytes(hex: string): Uint8Array {
  const h = hex.replace(/^0x/i, "").replace(/[\s:]/g, "");
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
  return out;
}

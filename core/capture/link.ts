/**
 * Link layers: from a record's link type to (ethertype, offset of the network header). BSD
 * null/loopback address families and raw-IP link types are mapped onto ethertypes so everything
 * above dispatches through the one ethertype table.
 */

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_TEB = 0x6558; // transparent Ethernet bridging (GRE)
export const ETHERTYPE_ERSPAN_II = 0x88be; // also type I (no GRE sequence number)
export const ETHERTYPE_ERSPAN_III = 0x22eb;

export const LINKTYPE_NAMES: Record<number, string> = {
  0: "NULL",
  1: "ETHERNET",
  12: "RAW",
  14: "RAW",
  101: "RAW",
  108: "LOOP",
  113: "LINUX_SLL",
  228: "IPV4",
  229: "IPV6",
  276: "LINUX_SLL2",
};

/** Link types decodeLink understands; any other makes every record of it "unsupported link type N". */
const SUPPORTED_LINKTYPES: ReadonlySet<number> = new Set([0, 1, 12, 14, 101, 108, 113, 228, 229, 276]);

export function isSupportedLinkType(linktype: number): boolean {
  return SUPPORTED_LINKTYPES.has(linktype);
}

/** Result slot reused across calls (no allocation per packet). */
export interface LinkResult {
  ethertype: number;
  offset: number;
}

/** Ethertype from an IP version nibble (raw-IP link types); 0 when neither 4 nor 6. */
export function ethertypeFromVersion(b: Uint8Array, off: number): number {
  if (off >= b.length) return 0;
  const v = b[off] >> 4;
  return v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : 0;
}

/** BSD AF_* values for IPv4 and the several platform values for IPv6. */
function afToEthertype(af: number): number {
  if (af === 2) return ETHERTYPE_IPV4;
  if (af === 10 || af === 24 || af === 28 || af === 30) return ETHERTYPE_IPV6;
  return 0;
}

/**
 * Fills `out` for the record; returns undefined on success, or the reason the record cannot be
 * decoded (an unknown link type or a too-short header).
 */
export function decodeLink(linktype: number, b: Uint8Array, out: LinkResult): string | undefined {
  switch (linktype) {
    case 1: // Ethernet II (802.3 length frames carry no IP we decode)
      if (b.length < 14) return "Ethernet header truncated";
      out.ethertype = (b[12] << 8) | b[13];
      out.offset = 14;
      return undefined;
    case 0: {
      // BSD null: 4-byte AF in the *capturing host's* byte order; try both.
      if (b.length < 4) return "loopback header truncated";
      const leAf = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
      const beAf = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      out.ethertype = afToEthertype(leAf) || afToEthertype(beAf) || ethertypeFromVersion(b, 4);
      out.offset = 4;
      return out.ethertype ? undefined : `unknown loopback address family ${leAf}`;
    }
    case 108: {
      // OpenBSD loop: AF in network byte order.
      if (b.length < 4) return "loopback header truncated";
      out.ethertype = afToEthertype((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) || ethertypeFromVersion(b, 4);
      out.offset = 4;
      return out.ethertype ? undefined : "unknown loopback address family";
    }
    case 12:
    case 14:
    case 101:
      out.ethertype = ethertypeFromVersion(b, 0);
      out.offset = 0;
      return out.ethertype ? undefined : "raw IP record is neither IPv4 nor IPv6";
    case 228:
      out.ethertype = ETHERTYPE_IPV4;
      out.offset = 0;
      return undefined;
    case 229:
      out.ethertype = ETHERTYPE_IPV6;
      out.offset = 0;
      return undefined;
    case 113:
      // Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol.
      if (b.length < 16) return "Linux cooked header truncated";
      out.ethertype = (b[14] << 8) | b[15];
      out.offset = 16;
      return undefined;
    case 276:
      // Linux cooked v2: protocol first, then reserved, ifindex, ARPHRD, type, address length, 8 address bytes.
      if (b.length < 20) return "Linux cooked v2 header truncated";
      out.ethertype = (b[0] << 8) | b[1];
      out.offset = 20;
      return undefined;
    default:
      return `unsupported link type ${linktype}`;
  }
}

/**
 * Wireshark-style dissector tables: who gets a payload. (Wireshark registers with
 * `dissector_add_uint("udp.port", 5060, sip_handle)` and `heur_dissector_add("udp", ...)`; we keep
 * the same shape as data.)
 *
 * Lookup order, the same for a UDP datagram, a TCP direction's first bytes (then sticky for that
 * direction), an SCTP user message and a WebSocket message:
 *   1. `sctp.ppi` (SCTP only): the payload protocol identifier names the protocol outright.
 *   2. `<transport>.port` with the LOWER of the two ports first, then the higher one. Each entry's
 *      framer must still accept the bytes (a port is a hint, not a proof: HTTP on 5060 is not SIP).
 *   3. The transport's heuristics list, in order, on any port.
 *   4. Nobody: not an error (RTP, DNS, TLS ...), just not a PDU.
 * The first protocol whose framer says "pdu", "skip" or "more" wins.
 */

/** What a payload can be handed to. "hep" and "vxlan" are encapsulations, the rest PDU protocols. */
export type PayloadProtocol = "sip" | "diameter" | "http" | "http-upgrade" | "ws-sniff" | "hep" | "hep2" | "vxlan";

export class DissectorTable<K> {
  private readonly entries = new Map<K, PayloadProtocol[]>();
  constructor(readonly name: string) {}

  add(key: K, proto: PayloadProtocol): this {
    const list = this.entries.get(key);
    if (list) {
      if (!list.includes(proto)) list.push(proto);
    } else this.entries.set(key, [proto]);
    return this;
  }

  remove(key: K, proto: PayloadProtocol): void {
    const list = this.entries.get(key);
    if (list) this.entries.set(key, list.filter((p) => p !== proto));
  }

  get(key: K): readonly PayloadProtocol[] | undefined {
    return this.entries.get(key);
  }
}

export interface DissectorTables {
  "udp.port": DissectorTable<number>;
  "tcp.port": DissectorTable<number>;
  "sctp.port": DissectorTable<number>;
  "sctp.ppi": DissectorTable<number>;
  /** Heuristics per transport, tried in order on any port. */
  heuristics: { udp: PayloadProtocol[]; tcp: PayloadProtocol[]; sctp: PayloadProtocol[]; ws: PayloadProtocol[] };
}

export const DEFAULT_HTTP_PORTS = [80, 8080];

/** The default tables; `httpPorts` replaces the default HTTP port list. */
export function defaultTables(httpPorts: readonly number[] = DEFAULT_HTTP_PORTS): DissectorTables {
  const udp = new DissectorTable<number>("udp.port").add(5060, "sip").add(5061, "sip").add(9060, "hep").add(9060, "hep2").add(4789, "vxlan");
  // HTTP on the SIP ports only when the bytes start an HTTP message (the HTTP framer checks that).
  const tcp = new DissectorTable<number>("tcp.port").add(5060, "sip").add(5061, "sip").add(5060, "http").add(5061, "http").add(3868, "diameter").add(9060, "hep").add(9061, "hep");
  for (const p of httpPorts) tcp.add(p, "http");
  const sctpPort = new DissectorTable<number>("sctp.port").add(5060, "sip").add(5061, "sip").add(3868, "diameter");
  const ppi = new DissectorTable<number>("sctp.ppi").add(46, "diameter").add(47, "diameter");
  return {
    "udp.port": udp,
    "tcp.port": tcp,
    "sctp.port": sctpPort,
    "sctp.ppi": ppi,
    heuristics: {
      udp: ["hep", "sip"],
      // "http-upgrade": a WebSocket handshake (GET with Upgrade: websocket, or its 101) on any port.
      // "ws-sniff": a WebSocket data frame carrying SIP, for connections upgraded before the capture began.
      tcp: ["sip", "diameter", "hep", "http-upgrade", "ws-sniff"],
      sctp: ["sip", "diameter"],
      ws: ["sip"],
    },
  };
}

/** Candidates for a payload between two ports, in lookup order, without repeats. */
export function candidates(table: DissectorTable<number>, heuristics: readonly PayloadProtocol[], portA: number, portB: number, out: PayloadProtocol[]): PayloadProtocol[] {
  // Written in place and cut to length at the end: `out.length = 0` would drop the array's
  // storage, and the next push allocate it again — once per packet (measured: ~150 bytes each).
  let k = 0;
  const lo = portA <= portB ? portA : portB;
  const hi = portA <= portB ? portB : portA;
  const a = table.get(lo);
  if (a) for (const p of a) k = addOnce(out, k, p);
  if (hi !== lo) {
    const b = table.get(hi);
    if (b) for (const p of b) k = addOnce(out, k, p);
  }
  for (const p of heuristics) k = addOnce(out, k, p);
  out.length = k;
  return out;
}

/** out[k] = p unless p is among out[0..k); returns the new count. */
function addOnce(out: PayloadProtocol[], k: number, p: PayloadProtocol): number {
  for (let i = 0; i < k; i++) if (out[i] === p) return k;
  out[k] = p;
  return k + 1;
}

/**
 * The decoded SIP message as the rest of the core sees it. The parser (core/protocols/sip/parse.ts)
 * builds a lazy header index over the raw bytes: nothing is copied or split until asked for, and the
 * raw bytes stay the source of truth (a message can be shown and re-sent byte for byte).
 * A parser never throws on bad bytes: it returns a message with problems[].
 */

export interface SipUri {
  scheme: "sip" | "sips" | "tel" | string;
  user?: string;
  password?: string;
  /** Host without brackets for IPv6. */
  host: string;
  port?: number;
  params: Record<string, string | null>;
  headers: Record<string, string>;
  raw: string;
}

export interface NameAddr {
  displayName?: string;
  uri?: SipUri;
  /** The text between <> (or the bare URI). */
  uriText: string;
  tag?: string;
  params: Record<string, string | null>;
  raw: string;
}

export interface Via {
  protocol: string; // "SIP/2.0"
  transport: string; // "UDP", "TCP", "WS", "WSS", "TLS", "SCTP"
  host: string;
  port?: number;
  branch?: string;
  received?: string;
  rport?: number | null; // null = present without value
  params: Record<string, string | null>;
  raw: string;
}

/** What transaction matching reads of the top Via (a parsed Via has all of it). */
export type ViaKey = Pick<Via, "host" | "port" | "transport" | "branch">;

export interface CSeq {
  seq: number;
  method: string;
}

export interface SipHeaderField {
  /** Name as written on the wire. */
  name: string;
  /** Canonical long lower-case name ("v" -> "via"). */
  key: string;
  /** Unfolded value text. */
  value: string;
  /** Byte offsets of the whole header line(s) in raw, for highlighting. */
  start: number;
  end: number;
}

export interface SipMessage {
  readonly raw: Uint8Array;
  readonly kind: "request" | "response";
  readonly method?: string;
  readonly requestUri?: string;
  readonly status?: number;
  readonly reason?: string;
  /** Every header field in wire order. */
  readonly fields: readonly SipHeaderField[];
  /** First value of a header (any case, compact forms accepted: "v", "Via", "via"). */
  header(name: string): string | undefined;
  /** All values of a header, repeated fields and comma-joined values split (respecting quotes and <>). */
  headerValues(name: string): string[];
  readonly callId?: string;
  readonly cseq?: CSeq;
  readonly from?: NameAddr;
  readonly to?: NameAddr;
  /** Shortcuts the analysis reads for every message (a stored message keeps only these, not From/To). */
  readonly fromTag?: string;
  readonly toTag?: string;
  readonly fromUser?: string;
  readonly toUser?: string;
  /** From and To as the call list shows them (see shortAddress in name-addr.ts). */
  readonly fromAddress?: string;
  readonly toAddress?: string;
  readonly vias: readonly Via[];
  readonly contact: readonly NameAddr[];
  readonly recordRoute: readonly NameAddr[];
  readonly route: readonly NameAddr[];
  readonly contentType?: string;
  readonly contentLength?: number;
  /** Offset of the body in raw. */
  readonly bodyOffset: number;
  readonly body: Uint8Array;
  /** Problems found while parsing (never thrown). */
  readonly problems: readonly string[];
}

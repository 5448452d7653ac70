export interface DiameterAvp {
  code: number;
  vendorId?: number;
  /** Flags: V(endor), M(andatory), P(rotected). */
  flags: { vendor: boolean; mandatory: boolean; protected: boolean };
  /** Dictionary name, or "AVP-<code>" (with vendor) when unknown. */
  name: string;
  /** Dictionary type: OctetString, UTF8String, Unsigned32, Integer32, Unsigned64, Address, Time, Enumerated, Grouped, DiameterIdentity ... or "Unknown". */
  type: string;
  /** Decoded value: string | number | bigint-as-string; children for Grouped. */
  value?: string | number;
  /** Enumerated value name when the dictionary knows it. */
  enumName?: string;
  children?: DiameterAvp[];
  /** Raw data bytes (without header/padding). */
  data: Uint8Array;
  offset: number;
  length: number;
}

export interface DiameterMessage {
  raw: Uint8Array;
  version: number;
  length: number;
  flags: { request: boolean; proxiable: boolean; error: boolean; retransmit: boolean };
  commandCode: number;
  /** Short name: "MAR"/"MAA", "CCR"/"CCA", "Cmd-<code>-R|A" when unknown. */
  name: string;
  /** Long name: "Multimedia-Auth-Request". */
  longName: string;
  applicationId: number;
  applicationName?: string;
  hopByHop: number;
  endToEnd: number;
  avps: DiameterAvp[];
  /** Convenience: first Session-Id, Result-Code, Experimental-Result-Code, User-Name, Public-Identity. */
  sessionId?: string;
  resultCode?: number;
  experimentalResultCode?: number;
  userName?: string;
  publicIdentity?: string;
  problems: string[];
}

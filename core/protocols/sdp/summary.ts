/**
 * SDP (RFC 4566/8866) summary for the inspector and the call list: where media goes (c= address
 * and m= ports), which codecs were offered (rtpmap names, or the RFC 3551 static names when an
 * offer lists static payload types without rtpmap) and the direction (hold shows as sendonly /
 * inactive / c=0.0.0.0). Parsing is sdp-transform's; this file only shapes the result and never throws.
 */
import { parse } from "sdp-transform";

export interface SdpMedia {
  type: string;
  port: number;
  protocol: string;
  /** Codec names in payload order: "PCMU", "telephone-event" ... */
  codecs: string[];
  /** Payload types as listed on the m= line. */
  payloads: number[];
  /** Media-level direction, else the session-level one; undefined when neither is written (= sendrecv). */
  direction?: string;
  /** Media-level c= address, else the session-level one. */
  connection?: string;
}

export interface SdpSummary {
  /** Session-level c= address (or the first media-level one when the session has none). */
  connection?: string;
  /** o= line address and session version (changes on every re-offer). */
  origin?: { username: string; sessionId: string; version: number; address: string };
  media: SdpMedia[];
  /** One line per media: "audio 49172 RTP/AVP PCMU,telephone-event sendrecv @192.0.2.1" */
  summary: string[];
  /** True when every media is on hold (sendonly/inactive, port 0 or c=0.0.0.0). */
  onHold: boolean;
  problems: string[];
}

/** RFC 3551 §6 static payload types. */
const STATIC_PAYLOADS: Record<number, string> = {
  0: "PCMU",
  3: "GSM",
  4: "G723",
  5: "DVI4",
  6: "DVI4",
  7: "LPC",
  8: "PCMA",
  9: "G722",
  10: "L16",
  11: "L16",
  12: "QCELP",
  13: "CN",
  14: "MPA",
  15: "G728",
  16: "DVI4",
  17: "DVI4",
  18: "G729",
  25: "CelB",
  26: "JPEG",
  28: "nv",
  31: "H261",
  32: "MPV",
  33: "MP2T",
  34: "H263",
};

export function summariseSdp(text: string): SdpSummary {
  const problems: string[] = [];
  const empty: SdpSummary = { media: [], summary: [], onHold: false, problems };
  if (!/^\s*v=/.test(text)) {
    problems.push("not an SDP body (no v= line first)");
    if (!/\nm=/.test(text)) return empty;
  }
  let sd: ReturnType<typeof parse>;
  try {
    sd = parse(text);
  } catch (e) {
    problems.push(`SDP parse error: ${String(e)}`);
    return empty;
  }
  const sessionConn = sd.connection?.ip;
  const sessionDir = sd.direction;
  const media: SdpMedia[] = [];
  for (const m of sd.media ?? []) {
    try {
      const payloads = String(m.payloads ?? "")
        .split(/\s+/)
        .filter((p) => /^\d+$/.test(p))
        .map(Number);
      const byPt = new Map<number, string>();
      for (const r of m.rtp ?? []) byPt.set(Number(r.payload), r.codec);
      const codecs = payloads.length ? payloads.map((pt) => byPt.get(pt) ?? STATIC_PAYLOADS[pt] ?? String(pt)) : [...byPt.values()];
      if (!m.protocol?.includes("RTP") && payloads.length === 0 && m.payloads) codecs.push(...String(m.payloads).split(/\s+/).filter(Boolean));
      if (typeof m.port !== "number" || Number.isNaN(m.port)) problems.push(`bad m= port for ${m.type}`);
      media.push({
        type: String(m.type),
        port: Number(m.port),
        protocol: String(m.protocol ?? ""),
        codecs,
        payloads,
        direction: m.direction ?? sessionDir,
        connection: m.connection?.ip ?? sessionConn,
      });
    } catch (e) {
      problems.push(`bad media section: ${String(e)}`);
    }
  }
  if (sd.media?.length && media.every((m) => !m.connection)) problems.push("no c= address for the media");
  if (!sd.media?.length) problems.push("no m= lines");
  const summary = media.map((m) => `${m.type} ${m.port} ${m.protocol} ${m.codecs.join(",") || "-"}${m.direction ? ` ${m.direction}` : ""}${m.connection ? ` @${m.connection}` : ""}`);
  const held = (m: SdpMedia) => m.port === 0 || m.direction === "sendonly" || m.direction === "inactive" || m.connection === "0.0.0.0";
  const origin = sd.origin
    ? { username: String(sd.origin.username), sessionId: String(sd.origin.sessionId), version: Number(sd.origin.sessionVersion), address: String(sd.origin.address) }
    : undefined;
  return { connection: sessionConn ?? media.find((m) => m.connection)?.connection, origin, media, summary, onHold: media.length > 0 && media.every(held), problems };
}

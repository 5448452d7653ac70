/**
 * Builds the inspector's view of one message (`Api.message`): raw text, header tree with byte
 * offsets for highlighting, SDP summary, Diameter AVP tree, HTTP headers. Reads the decoded
 * message the analysis kept; never re-parses the wire.
 */
import { parse as parseSdp } from "sdp-transform";
import type { AvpDTO, HeaderDTO, MessageDTO, MessageDetailDTO } from "../api";
import type { Observed } from "../analysis/model";
import type { DiameterAvp } from "../protocols/diameter/types";

/** Latin-1 keeps every byte visible and one char per byte, so header offsets stay valid. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

function avpTree(avps: DiameterAvp[]): AvpDTO[] {
  return avps.map((a) => ({
    code: a.code,
    vendorId: a.vendorId,
    name: a.name,
    flags: (a.flags.vendor ? "V" : "-") + (a.flags.mandatory ? "M" : "-") + (a.flags.protected ? "P" : "-"),
    value: a.children ? undefined : a.enumName ? `${a.enumName} (${a.value})` : a.value !== undefined ? String(a.value) : undefined,
    children: a.children ? avpTree(a.children) : undefined,
  }));
}

/** SDP in one-line summaries a SIP engineer scans first: who, where, which codecs, which direction. */
export function sdpSummary(text: string): MessageDetailDTO["sdp"] | undefined {
  let s: ReturnType<typeof parseSdp>;
  try {
    s = parseSdp(text);
  } catch {
    return undefined;
  }
  const connection = s.connection?.ip;
  const media = (s.media ?? []).map((m) => {
    const codecs = (m.rtp ?? []).map((r) => `${r.codec}/${r.rate}${r.encoding ? "/" + r.encoding : ""} (${r.payload})`);
    return { type: m.type, port: m.port, protocol: m.protocol, codecs, direction: m.direction ?? s.direction };
  });
  const summary: string[] = [];
  if (s.origin) summary.push(`origin ${s.origin.username} ${s.origin.address} (session ${s.origin.sessionId} v${s.origin.sessionVersion})`);
  if (connection) summary.push(`connection ${connection}`);
  for (const m of media) {
    const ip = (s.media.find((x) => x.port === m.port && x.type === m.type)?.connection?.ip) ?? connection ?? "?";
    summary.push(`${m.type} ${ip}:${m.port} ${m.protocol} ${m.direction ?? "sendrecv"}: ${m.codecs.join(", ") || "no rtpmap"}`);
  }
  return { summary, media, connection };
}

export function messageDetail(o: Observed, dto: MessageDTO): MessageDetailDTO {
  const raw = o.sip?.raw ?? o.diameter?.raw ?? o.http?.raw ?? new Uint8Array();
  const detail: MessageDetailDTO = {
    message: dto,
    rawText: o.diameter ? "" : latin1(raw),
    rawBase64: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64"),
    frames: o.frames ?? [o.frame],
  };
  if (o.sip) {
    const sip = o.sip;
    const firstEnd = detail.rawText.indexOf("\r\n");
    detail.startLine = firstEnd >= 0 ? detail.rawText.slice(0, firstEnd) : detail.rawText;
    detail.headers = sip.fields.map((f): HeaderDTO => {
      const h: HeaderDTO = { name: f.name, value: f.value, start: f.start, end: f.end };
      const key = f.key.toLowerCase();
      if (key === "via") {
        const v = sip.vias.find((x) => f.value.includes(x.raw));
        if (v) h.children = [{ name: "transport", value: v.transport }, { name: "sent-by", value: `${v.host}${v.port ? ":" + v.port : ""}` }, ...Object.entries(v.params).map(([name, value]) => ({ name, value: value ?? "" }))];
      } else if (key === "from" || key === "to") {
        const na = key === "from" ? sip.from : sip.to;
        if (na) h.children = [...(na.displayName ? [{ name: "display-name", value: na.displayName }] : []), { name: "uri", value: na.uriText }, ...(na.tag ? [{ name: "tag", value: na.tag }] : [])];
      } else if (key === "cseq" && sip.cseq) {
        h.children = [{ name: "seq", value: String(sip.cseq.seq) }, { name: "method", value: sip.cseq.method }];
      }
      return h;
    });
    if (sip.body.length) {
      detail.body = utf8(sip.body);
      const ct = (sip.contentType ?? "").toLowerCase();
      if (ct.includes("application/sdp")) detail.sdp = sdpSummary(detail.body);
      else if (ct.includes("multipart")) {
        const i = detail.body.indexOf("v=0");
        if (i >= 0) detail.sdp = sdpSummary(detail.body.slice(i));
      }
    }
  } else if (o.diameter) {
    const d = o.diameter;
    detail.startLine = `${d.longName} (${d.name}, code ${d.commandCode}) ${d.flags.request ? "Request" : "Answer"} app ${d.applicationName ?? d.applicationId}`;
    detail.rawText = [
      detail.startLine,
      `flags: ${["request", "proxiable", "error", "retransmit"].filter((k) => d.flags[k as keyof typeof d.flags]).join(", ") || "none"}`,
      `hop-by-hop: 0x${d.hopByHop.toString(16).padStart(8, "0")}  end-to-end: 0x${d.endToEnd.toString(16).padStart(8, "0")}`,
      ...flattenAvps(d.avps, 0),
    ].join("\n");
    detail.avps = avpTree(d.avps);
  } else if (o.http) {
    const h = o.http;
    const firstEnd = detail.rawText.indexOf("\r\n");
    detail.startLine = firstEnd >= 0 ? detail.rawText.slice(0, firstEnd) : detail.rawText;
    let at = firstEnd + 2;
    detail.headers = h.headers.map((x) => {
      const start = detail.rawText.indexOf(x.name, at);
      const end = start >= 0 ? detail.rawText.indexOf("\r\n", start) + 2 : -1;
      if (end > 0) at = end;
      return { name: x.name, value: x.value, start: Math.max(start, 0), end: Math.max(end, 0) };
    });
    if (h.body.length) detail.body = utf8(h.body);
  }
  return detail;
}

function flattenAvps(avps: DiameterAvp[], depth: number): string[] {
  const out: string[] = [];
  for (const a of avps) {
    const value = a.children ? "" : ` = ${a.enumName ? `${a.enumName} (${a.value})` : a.value ?? ""}`;
    out.push(`${"  ".repeat(depth)}${a.name} (${a.code}${a.vendorId ? "/" + a.vendorId : ""})${value}`);
    if (a.children) out.push(...flattenAvps(a.children, depth + 1));
  }
  return out;
}

/**
 * SIP text for synthetic samples: requests from a few fields, responses derived from their
 * request (Via, From, To, Call-ID, CSeq and Record-Route copied; a To tag added), and a proxy's
 * forwarding (its Via on top, its Record-Route, Max-Forwards decremented). Content-Length is
 * always computed. Every message says it is synthetic in its User-Agent / Server header.
 */

export const SYNTHETIC_UA = "SIPScope-sample (synthetic)";

export interface RequestFields {
  method: string;
  uri: string;
  /** Via sent-by "host:port" and transport of the sender ("UDP", "TCP", "WS"). */
  via: string;
  transport?: string;
  branch: string;
  from: string;
  fromTag: string;
  to: string;
  toTag?: string;
  callId: string;
  cseq: number;
  cseqMethod?: string;
  contact?: string;
  extra?: string[];
  body?: string;
  contentType?: string;
}

export function byteLength(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

function finish(lines: string[], body = "", contentType?: string): string {
  if (body && contentType) lines.push(`Content-Type: ${contentType}`);
  lines.push(`Content-Length: ${byteLength(body)}`);
  return lines.join("\r\n") + "\r\n\r\n" + body;
}

export function request(f: RequestFields): string {
  const lines = [
    `${f.method} ${f.uri} SIP/2.0`,
    `Via: SIP/2.0/${f.transport ?? "UDP"} ${f.via};branch=${f.branch}${(f.transport ?? "UDP") === "UDP" ? ";rport" : ""}`,
    `Max-Forwards: 70`,
    `From: <${f.from}>;tag=${f.fromTag}`,
    `To: <${f.to}>${f.toTag ? `;tag=${f.toTag}` : ""}`,
    `Call-ID: ${f.callId}`,
    `CSeq: ${f.cseq} ${f.cseqMethod ?? f.method}`,
  ];
  if (f.contact) lines.push(`Contact: <${f.contact}>`);
  lines.push(`User-Agent: ${SYNTHETIC_UA}`);
  for (const e of f.extra ?? []) lines.push(e);
  return finish(lines, f.body, f.contentType ?? (f.body ? "application/sdp" : undefined));
}

function headerLines(text: string): string[] {
  const head = text.slice(0, text.indexOf("\r\n\r\n"));
  return head.split("\r\n").slice(1);
}

function nameOf(line: string): string {
  return line.slice(0, line.indexOf(":")).trim().toLowerCase();
}

/** A response to `req` (its Via stack, From, To, Call-ID, CSeq, Record-Route copied). */
export function response(req: string, status: number, reason: string, opts: { toTag?: string; contact?: string; extra?: string[]; body?: string; contentType?: string } = {}): string {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const l of headerLines(req)) {
    const n = nameOf(l);
    if (n === "to") lines.push(opts.toTag && !/;tag=/.test(l) ? `${l};tag=${opts.toTag}` : l);
    else if (n === "via" || n === "from" || n === "call-id" || n === "cseq" || (n === "record-route" && status < 300 && status > 100)) lines.push(l);
  }
  if (opts.contact) lines.push(`Contact: <${opts.contact}>`);
  lines.push(`Server: ${SYNTHETIC_UA}`);
  for (const e of opts.extra ?? []) lines.push(e);
  return finish(lines, opts.body, opts.contentType ?? (opts.body ? "application/sdp" : undefined));
}

/** A proxy forwarding `req`: its Via on top, optional Record-Route, new Request-URI. */
export function forward(req: string, proxy: { via: string; transport?: string; branch: string; recordRoute?: string; uri?: string }): string {
  const [start, ...rest] = req.slice(0, req.indexOf("\r\n\r\n")).split("\r\n");
  const body = req.slice(req.indexOf("\r\n\r\n") + 4);
  const parts = start.split(" ");
  const lines = [proxy.uri ? `${parts[0]} ${proxy.uri} ${parts[2]}` : start, `Via: SIP/2.0/${proxy.transport ?? "UDP"} ${proxy.via};branch=${proxy.branch}`];
  let rrDone = !proxy.recordRoute;
  for (const l of rest) {
    const n = nameOf(l);
    if (n === "max-forwards") lines.push(`Max-Forwards: ${Number(l.split(":")[1]) - 1}`);
    else if (n === "route") continue; // consumed by this proxy (loose routing)
    else if (n === "content-length") continue;
    else {
      if (!rrDone && (n === "from" || n === "to")) {
        lines.push(`Record-Route: <${proxy.recordRoute}>`);
        rrDone = true;
      }
      lines.push(l);
    }
  }
  return lines.join("\r\n") + `\r\nContent-Length: ${byteLength(body)}\r\n\r\n` + body;
}

/** A response travelling back through a proxy: its own (top) Via removed. */
export function unforward(resp: string): string {
  const lines = resp.split("\r\n");
  const i = lines.findIndex((l) => nameOf(l) === "via");
  if (i >= 0) lines.splice(i, 1);
  return lines.join("\r\n");
}

export function sdp(ip: string, port: number, session = 1): string {
  return [`v=0`, `o=- ${session} 1 IN IP4 ${ip}`, `s=${SYNTHETIC_UA}`, `c=IN IP4 ${ip}`, `t=0 0`, `m=audio ${port} RTP/AVP 0 8`, `a=rtpmap:0 PCMU/8000`, `a=rtpmap:8 PCMA/8000`, `a=sendrecv`, ``].join("\r\n");
}

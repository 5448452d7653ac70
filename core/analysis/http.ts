/**
 * HTTP/1.1 exchanges per connection: requests queue in order (pipelining, RFC 9112 §9.3) and each
 * response answers the oldest unanswered request of the same connection.
 */
import type { Endpoint } from "../capture/types";
import type { Observed } from "./model";
import { addr } from "./context";

export interface HttpExchange {
  index: number;
  request: number;
  response?: number;
  client: Endpoint;
  server: Endpoint;
  method: string;
  path: string;
  status?: number;
  responseTime?: number;
}

export function buildHttp(msgs: readonly Observed[]): HttpExchange[] {
  const out: HttpExchange[] = [];
  const queues = new Map<string, number[]>();
  // Indexed, not for-of: a pass over every message runs mostly unoptimised, where each for-of
  // step allocates an iterator result.
  for (let mi = 0; mi < msgs.length; mi++) {
    const m = msgs[mi];
    const h = m.http;
    if (!h) continue;
    if (h.kind === "request") {
      const key = `${addr(m.src)}>${addr(m.dst)}`;
      let q = queues.get(key);
      if (!q) queues.set(key, (q = []));
      const x: HttpExchange = { index: out.length, request: m.id, client: m.src, server: m.dst, method: h.method ?? "?", path: h.path ?? "" };
      q.push(x.index);
      out.push(x);
    } else {
      // Interim 1xx responses (100 Continue) do not answer the request; 101 ends it (upgrade).
      if (h.status !== undefined && h.status < 200 && h.status !== 101) continue;
      const q = queues.get(`${addr(m.dst)}>${addr(m.src)}`);
      const i = q?.shift();
      if (i === undefined) continue;
      const x = out[i];
      x.response = m.id;
      x.status = h.status;
      x.responseTime = m.time - msgs[x.request].time;
    }
  }
  return out;
}

/**
 * Log lines as timeline events (LogEventDTO), each pinned to the message it refers to: by the
 * Call-ID it names (and its CSeq method when the log prefix carries one), nearest in time when the
 * line has a time. Lines without a Call-ID keep only their time.
 */
import type { LogEventDTO } from "../api";
import type { CaptureModel } from "./model";

export function buildLogEvents(model: CaptureModel): LogEventDTO[] {
  if (model.logs.length === 0) return [];
  const byCallId = new Map<string, number[]>();
  for (const m of model.messages) {
    const c = m.sip?.callId;
    if (c === undefined) continue;
    let l = byCallId.get(c);
    if (!l) byCallId.set(c, (l = []));
    l.push(m.id);
  }
  return model.logs.map((r) => {
    const d: LogEventDTO = { id: r.id, file: r.file, line: r.line, level: r.level, text: r.text };
    if (r.time !== undefined) d.time = r.time;
    if (r.pid !== undefined) d.pid = r.pid;
    if (r.module) d.module = r.module;
    if (r.function) d.function = r.function;
    if (r.callId) {
      d.callId = r.callId;
      const ids = byCallId.get(r.callId);
      if (ids?.length) {
        const method = r.cseq?.split(/\s+/)[1];
        const cands = method ? ids.filter((i) => model.messages[i].sip?.cseq?.method === method) : ids;
        const pool = cands.length ? cands : ids;
        let best = pool[0];
        if (r.time !== undefined) for (const i of pool) if (Math.abs(model.messages[i].time - r.time) < Math.abs(model.messages[best].time - r.time)) best = i;
        d.messageId = best;
        if (d.time === undefined) d.time = model.messages[best].time;
      }
    }
    return d;
  });
}

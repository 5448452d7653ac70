/**
 * Log lines as timeline events (LogEventDTO), each pinned to the message it refers to by linkLogs
 * (log prefix, Call-ID, time) and named by classifyLog when it is a known failure text.
 */
import type { LogEventDTO } from "../api";
import type { CaptureModel } from "./model";
import { classifyLog, linkLogs, type LogCause } from "./logs";

export interface LogEvents {
  events: LogEventDTO[];
  /** Log id -> known cause (classifyLog), when recognised. */
  causes: Map<number, LogCause>;
}

export function buildLogEvents(model: CaptureModel): LogEvents {
  const causes = new Map<number, LogCause>();
  if (model.logs.length === 0) return { events: [], causes };
  const links = linkLogs(model);
  const byLog = new Map<number, (typeof links)[number]>();
  for (const l of links) byLog.set(l.log, l);
  const events = model.logs.map((r) => {
    const d: LogEventDTO = { id: r.id, file: r.file, line: r.line, level: r.level, text: r.text };
    const link = byLog.get(r.id);
    const cls = classifyLog(r);
    if (cls) causes.set(r.id, cls.cause);
    const time = r.time ?? link?.time;
    if (time !== undefined) d.time = time;
    if (r.pid !== undefined) d.pid = r.pid;
    if (r.module) d.module = r.module;
    if (r.function) d.function = r.function;
    const callId = r.callId ?? link?.callId ?? cls?.callId;
    if (callId) d.callId = callId;
    if (link?.message !== undefined) d.messageId = link.message;
    return d;
  });
  return { events, causes };
}

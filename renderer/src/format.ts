/** Display helpers: times in UTC with milliseconds (captures come from many time zones). */
export function clock(epoch: number): string {
  if (!Number.isFinite(epoch)) return "";
  const d = new Date(epoch * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

export function dateTime(epoch: number): string {
  if (!Number.isFinite(epoch)) return "";
  return new Date(epoch * 1000).toISOString().replace("T", " ").replace("Z", " UTC");
}

export function seconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return "";
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 1 : 0)} ms`;
  if (s < 60) return `${s.toFixed(2)} s`;
  const m = Math.floor(s / 60);
  return `${m}m ${Math.round(s - m * 60)}s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** "200 OK" -> "200", "INVITE" -> "INVITE", "POST /x" -> "POST": the arrow's stable test label. */
export function shortLabel(label: string): string {
  return label.split(" ")[0] ?? label;
}

export function userOf(uri: string): string {
  const m = /^(?:sips?|tel):([^@;>]+)/.exec(uri.replace(/^.*</, ""));
  return m ? m[1] : uri;
}

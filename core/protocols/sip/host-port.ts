/**
 * "host[:port]" splitting that also accepts IPv6 written without brackets — invalid per RFC 3261
 * but sent by real phones ("fe80:0:0:0:21a:a0ff:fe07:32e0:5060"). A full 8-group address followed
 * by a ninth group reads as address + port; with "::" the text is ambiguous and is taken as all host.
 */
export function splitHostPort(text: string): { host: string; port?: number } {
  const t = text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32 ? text.trim() : text;
  if (t.startsWith("[")) {
    const close = t.indexOf("]");
    if (close < 0) return { host: t.slice(1) };
    const rest = t.slice(close + 1).trim();
    return { host: t.slice(1, close), port: rest.startsWith(":") ? toPort(rest.slice(1)) : undefined };
  }
  const first = t.indexOf(":");
  if (first < 0) return { host: t };
  if (t.indexOf(":", first + 1) < 0) return { host: t.slice(0, first).trim(), port: toPort(t.slice(first + 1)) };
  const groups = t.split(":");
  if (groups.length === 9 && !t.includes("::")) return { host: groups.slice(0, 8).join(":"), port: toPort(groups[8]) };
  return { host: t };
}

function toPort(text: string): number | undefined {
  let s = 0;
  let e = text.length;
  while (s < e && text.charCodeAt(s) <= 32) s++;
  while (e > s && text.charCodeAt(e - 1) <= 32) e--;
  if (e === s || e - s > 5) return undefined;
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  return n <= 65535 ? n : undefined;
}

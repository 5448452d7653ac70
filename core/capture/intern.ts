/**
 * A bounded string interner: `share(text)` returns an equal string seen recently, so texts that
 * recur across 10^5 messages (hosts, users, "1 INVITE") are held once. Direct-mapped by a hash of
 * the chars (a Map lookup measured 3x slower); a collision just replaces the slot, so memory stays
 * bounded whatever the capture holds. Texts longer than `maxLength` are returned as they are.
 *
 * `flat`: a text kept for the first time is copied when it may be a V8 sliced string (a substring
 * of 13 chars or more points into its parent and keeps the whole parent alive: a 20-char tag
 * would keep its 80-char header line). Interners whose texts outlive their parse use it.
 */
export function createInterner(slots: number, maxLength: number, options: { flat?: boolean } = {}): (text: string) => string {
  const flat = options.flat === true;
  const table: (string | undefined)[] = new Array(slots).fill(undefined);
  const mask = slots - 1; // slots is a power of two
  return (text) => {
    const n = text.length;
    if (n === 0 || n > maxLength) return text;
    let h = n;
    for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
    const slot = (h ^ (h >>> 13)) & mask;
    const known = table[slot];
    if (known === text) return known;
    const kept = flat ? flatCopy(text) : text;
    table[slot] = kept;
    return kept;
  };
}

/**
 * A copy of `text` that shares no storage with a longer string: JSON.parse makes one fresh flat
 * string. Quoting by hand skips JSON.stringify (~3x cheaper on tags and branches); text that
 * quotes, escapes or control characters would change (or break) is copied the long way.
 */
function flatCopy(text: string): string {
  if (text.length < 13) return text;
  try {
    const copy = JSON.parse('"' + text + '"') as string;
    if (copy === text) return copy;
  } catch {
    // a quote or a control character: below
  }
  return JSON.parse(JSON.stringify(text)) as string;
}

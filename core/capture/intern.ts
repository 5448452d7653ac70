/**
 * A bounded string interner: `share(text)` returns an equal string seen recently, so texts that
 * recur across 10^5 messages (hosts, users, "1 INVITE") are held once. Direct-mapped by a hash of
 * the chars (a Map lookup measured 3x slower); a collision just replaces the slot, so memory stays
 * bounded whatever the capture holds. Texts longer than `maxLength` are returned as they are.
 */
export function createInterner(slots: number, maxLength: number): (text: string) => string {
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
    table[slot] = text;
    return text;
  };
}

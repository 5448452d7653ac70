/** Byte helpers shared by every layer of the core (capture is the lowest layer, so it owns them). */

/** A new array holding `parts` one after another; `total` may be passed when the caller knows it. */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  let n = total ?? 0;
  if (total === undefined) for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

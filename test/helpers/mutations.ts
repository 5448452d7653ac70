/**
 * Property test for any reader or decoder: random bytes, and a known-good input with up to 20
 * bytes overwritten, must never make `run` throw (fast-check shrinks and reports a failing input).
 */
import fc from "fast-check";

export function neverThrowsOnMutations(base: Uint8Array, run: (input: Uint8Array) => void, options: { maxRandomLength?: number; numRuns?: number } = {}): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: options.maxRandomLength ?? 300 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }), (rand, muts) => {
      const mutated = base.slice();
      for (const [i, v] of muts) mutated[i % mutated.length] = v;
      for (const input of [rand, mutated]) run(input);
    }),
    { numRuns: options.numRuns ?? 300 },
  );
}

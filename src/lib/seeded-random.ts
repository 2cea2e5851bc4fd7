/**
 * mulberry32: a tiny, fast, seedable PRNG returning [0, 1). Same seed, same sequence, on every
 * machine: synthetic books, the recommendation evaluation's sample and the benches' request mixes
 * are reproducible because of it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

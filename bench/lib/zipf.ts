/**
 * Zipf-distributed ranks: item k (0-based) is drawn with probability ∝ 1 / (k + 1)^s, the shape
 * of popularity on real sites (a few items take most requests, a long tail the rest).
 */
export class ZipfSampler {
  readonly #cumulative: Float64Array

  constructor(n: number, s: number) {
    if (n < 1) throw new Error('a Zipf sampler needs at least one item')
    this.#cumulative = new Float64Array(n)
    let sum = 0
    for (let k = 0; k < n; k++) {
      sum += 1 / (k + 1) ** s
      this.#cumulative[k] = sum
    }
    for (let k = 0; k < n; k++) this.#cumulative[k]! /= sum
  }

  /** The rank for a uniform draw in [0, 1): a binary search over the cumulative weights. */
  sample(uniform: number): number {
    const c = this.#cumulative
    let low = 0
    let high = c.length - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if (c[mid]! > uniform) high = mid
      else low = mid + 1
    }
    return low
  }
}

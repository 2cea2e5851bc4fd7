/**
 * nDCG@k (normalized discounted cumulative gain) with exponential gain: a ranking's
 * sum of (2^grade − 1) / log2(position + 1), divided by that of the ideal ranking.
 */
export function ndcgAt(k: number, ranked: number[], grades: Record<number, number>): number {
  const dcg = (gs: number[]) =>
    gs.slice(0, k).reduce((sum, g, i) => sum + (2 ** g - 1) / Math.log2(i + 2), 0)
  const ideal = dcg(Object.values(grades).sort((a, b) => b - a))
  if (ideal === 0) return 0
  return dcg(ranked.map((id) => grades[id] ?? 0)) / ideal
}

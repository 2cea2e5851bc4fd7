import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { JUDGMENTS, type JudgmentKind } from './judgments.ts'
import { ndcgAt } from './ndcg.ts'

/**
 * Relevance regression suite: the judged queries of judgments.ts run against the goodbooks
 * catalog through the API, scored with nDCG@10. A ranking change that hurts readers lowers the
 * mean below the floor (measured 0.988 when the ranking was tuned) and fails here.
 */
const NDCG_FLOOR = 0.95
// every kind of query must keep working, not only the average
const KIND_FLOOR = 0.85

const { app, db } = await buildTestApp({ after }, { seed: true })
const goodreadsIdOf = new Map<number, number>()

before(async () => {
  const rows = await db.selectFrom('books').select(['id', 'goodreads_id']).execute()
  for (const row of rows) if (row.goodreads_id !== null) goodreadsIdOf.set(row.id, row.goodreads_id)
})

test('there are at least 40 judged queries, and every judged book is in the catalog', () => {
  assert.ok(JUDGMENTS.length >= 40, `${JUDGMENTS.length} judged queries`)
  const known = new Set(goodreadsIdOf.values())
  const missing = JUDGMENTS.flatMap((j) =>
    Object.keys(j.grades)
      .map(Number)
      .filter((id) => !known.has(id))
      .map((id) => `${j.query}: ${id}`),
  )
  assert.deepEqual(missing, [])
})

test(`the judged queries reach nDCG@10 ≥ ${NDCG_FLOOR}`, async (t) => {
  const byKind = new Map<JudgmentKind, number[]>()
  const scores: { query: string; score: number; top: string[] }[] = []
  for (const judgment of JUDGMENTS) {
    const response = await app.inject({
      url: '/api/search',
      query: { q: judgment.query, limit: '10' },
    })
    assert.equal(response.statusCode, 200, `${judgment.query}: ${response.body}`)
    const body = response.json() as { items: { book: { id: number; title: string } }[] }
    const ranked = body.items.map((hit) => goodreadsIdOf.get(hit.book.id) ?? 0)
    const score = ndcgAt(10, ranked, judgment.grades)
    byKind.set(judgment.kind, [...(byKind.get(judgment.kind) ?? []), score])
    scores.push({
      query: judgment.query,
      score,
      top: body.items.slice(0, 3).map((h) => h.book.title),
    })
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
  const overall = mean(scores.map((s) => s.score))
  t.diagnostic(`mean nDCG@10 over ${scores.length} judged queries: ${overall.toFixed(4)}`)
  for (const [kind, values] of byKind) {
    t.diagnostic(`  ${kind}: ${mean(values).toFixed(3)} (${values.length} queries)`)
  }
  for (const s of scores.filter((s) => s.score < 0.9)) {
    t.diagnostic(`  weakest: "${s.query}" ${s.score.toFixed(3)} → ${s.top.join(' | ')}`)
  }
  assert.ok(overall >= NDCG_FLOOR, `mean nDCG@10 ${overall.toFixed(4)} < ${NDCG_FLOOR}`)
  for (const [kind, values] of byKind) {
    assert.ok(mean(values) >= KIND_FLOOR, `${kind}: nDCG@10 ${mean(values).toFixed(3)}`)
  }
})

import assert from 'node:assert/strict'
import { setTimeout } from 'node:timers/promises'
import { isDeepStrictEqual } from 'node:util'
import type { Kysely } from 'kysely'
import type { DB } from '../../../src/db/types.ts'

/** Shared by the review tests: fresh books per test, and the rating summary as stored and served. */

export type Histogram = [number, number, number, number, number]

/**
 * Hands out catalog books no earlier call has handed out, so tests of one file never share a
 * book's summary.
 */
export function bookPicker(db: Kysely<DB>) {
  let offset = 0
  return async (count: number): Promise<number[]> => {
    const rows = await db
      .selectFrom('books')
      .select('id')
      .orderBy('id')
      .offset(offset)
      .limit(count)
      .execute()
    offset += count
    assert.equal(rows.length, count)
    return rows.map((r) => r.id)
  }
}

export async function storedHistogram(db: Kysely<DB>, bookId: number): Promise<Histogram> {
  const row = await db
    .selectFrom('books')
    .select(['ratings_1', 'ratings_2', 'ratings_3', 'ratings_4', 'ratings_5'])
    .where('id', '=', bookId)
    .executeTakeFirstOrThrow()
  return [row.ratings_1, row.ratings_2, row.ratings_3, row.ratings_4, row.ratings_5]
}

export const plus = (histogram: Histogram, ratings: number[]): Histogram => {
  const next = [...histogram] as Histogram
  for (const r of ratings) next[r - 1]!++
  return next
}

interface RatingSummary {
  average: number | null
  count: number
  histogram: Record<'1' | '2' | '3' | '4' | '5', number>
  bayesian: number
}

type Injectable = {
  inject(url: string): PromiseLike<{ statusCode: number; body: string; json(): unknown }>
}

async function servedRating(app: Injectable, bookId: number): Promise<RatingSummary> {
  const response = await app.inject(`/api/books/${bookId}`)
  assert.equal(response.statusCode, 200, response.body)
  return (response.json() as { rating: RatingSummary }).rating
}

const histogramOf = (rating: RatingSummary) =>
  [1, 2, 3, 4, 5].map((k) => rating.histogram[String(k) as '1'])

/**
 * Asserts that the database holds `expected` as the book's histogram, and that GET
 * /api/books/:id serves it with a count, average and Bayesian score that agree with it. The
 * book detail may come from the response cache, which learns of trigger-made changes to books
 * through pg_notify, a moment after the write: the served summary gets a second to catch up.
 */
export async function assertSummary(
  app: Injectable,
  db: Kysely<DB>,
  bookId: number,
  expected: Histogram,
) {
  assert.deepEqual(await storedHistogram(db, bookId), expected, `stored histogram of ${bookId}`)
  let rating = await servedRating(app, bookId)
  for (let i = 0; i < 20 && !isDeepStrictEqual(histogramOf(rating), expected); i++) {
    await setTimeout(50)
    rating = await servedRating(app, bookId)
  }
  assert.deepEqual(histogramOf(rating), expected, `served histogram of book ${bookId}`)
  const count = expected.reduce((s, n) => s + n, 0)
  const stars = expected.reduce((s, n, i) => s + n * (i + 1), 0)
  assert.equal(rating.count, count)
  if (count === 0) assert.equal(rating.average, null)
  else assert.ok(Math.abs(rating.average! - stars / count) < 0.0005, `average of book ${bookId}`)
  const bayesian = (50 * 4.03 + stars) / (50 + count)
  assert.ok(Math.abs(rating.bayesian - bayesian) < 0.0005, `bayesian of book ${bookId}`)
}

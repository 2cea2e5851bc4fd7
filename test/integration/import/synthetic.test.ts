import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { GENRES } from '../../../src/import/genre-map.ts'
import { importSynthetic } from '../../../src/import/synthetic.ts'
import { createTestDatabase } from '../../helpers/database.ts'

interface Check {
  books: number
  valid: number
  distinct_isbn: number
  synthetic_prefix: number
  without_authors: number
  without_genres: number
  too_many_authors: number
  too_many_genres: number
  goodreads: number
}

const check = sql<Check>`
  SELECT count(*)::int AS books,
         count(*) FILTER (WHERE isbn13_is_valid(isbn13))::int AS valid,
         count(DISTINCT isbn13)::int AS distinct_isbn,
         count(*) FILTER (WHERE isbn13 LIKE '9790%')::int AS synthetic_prefix,
         count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM book_authors ba WHERE ba.book_id = b.id))::int AS without_authors,
         count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM book_genres bg WHERE bg.book_id = b.id))::int AS without_genres,
         count(*) FILTER (WHERE (SELECT count(*) FROM book_authors ba WHERE ba.book_id = b.id) > 2)::int AS too_many_authors,
         count(*) FILTER (WHERE (SELECT count(*) FROM book_genres bg WHERE bg.book_id = b.id) > 3)::int AS too_many_genres,
         count(goodreads_id)::int AS goodreads
  FROM books b`

test('synthetic books', async (t) => {
  const database = await createTestDatabase(t)
  const progress: number[] = []
  const summary = await importSynthetic(database, {
    count: 2_000,
    seed: 42,
    batchSize: 500,
    onProgress: (done) => progress.push(done),
  })

  await t.test('2,000 books with valid, unique 979-0 ISBNs, authors and genres', async () => {
    assert.equal(summary.books, 2_000)
    assert.deepEqual(progress, [500, 1_000, 1_500, 2_000])
    const row = (await check.execute(database.db)).rows[0]!
    assert.deepEqual(row, {
      books: 2_000,
      valid: 2_000,
      distinct_isbn: 2_000,
      synthetic_prefix: 2_000,
      without_authors: 0,
      without_genres: 0,
      too_many_authors: 0,
      too_many_genres: 0,
      goodreads: 0,
    })
  })

  await t.test('about count/10 authors, the curated genres, some series in order', async () => {
    const counts = await sql<{
      authors: number
      genres: number
      series_books: number
      gaps: number
    }>`
      SELECT (SELECT count(*)::int FROM authors) AS authors,
             (SELECT count(*)::int FROM genres) AS genres,
             (SELECT count(*)::int FROM book_series) AS series_books,
             (SELECT count(*)::int FROM (
                SELECT series_id, max(position) AS top, count(*) AS n FROM book_series GROUP BY series_id
              ) s WHERE s.top <> s.n) AS gaps`.execute(database.db)
    const row = counts.rows[0]!
    assert.equal(row.authors, 200)
    assert.equal(summary.authors, 200)
    assert.equal(row.genres, GENRES.length)
    assert.ok(
      row.series_books > 300 && row.series_books < 900,
      `${row.series_books} books in series`,
    )
    assert.equal(row.gaps, 0, 'each series numbers its books 1..n')
  })

  await t.test('a second run adds as many more, with new ISBNs, authors and series', async () => {
    const again = await importSynthetic(database, { count: 500, seed: 42 })
    assert.equal(again.books, 500)
    const row = (await check.execute(database.db)).rows[0]!
    assert.equal(row.books, 2_500)
    assert.equal(row.distinct_isbn, 2_500)
    assert.equal(row.valid, 2_500)
    assert.equal(row.without_authors, 0)
    const authors = await sql<{ n: number }>`SELECT count(*)::int AS n FROM authors`.execute(
      database.db,
    )
    assert.equal(authors.rows[0]!.n, 250)
  })

  await t.test('the same seed on the same catalog gives the same books', async (t) => {
    const other = await createTestDatabase(t)
    await importSynthetic(other, { count: 2_000, seed: 42 })
    const titles = sql<{ title: string; isbn13: string; ratings_count: number }>`
      SELECT title, isbn13, ratings_count FROM books ORDER BY isbn13 LIMIT 2000`
    assert.deepEqual(
      (await titles.execute(other.db)).rows,
      (await titles.execute(database.db)).rows,
    )
  })

  await t.test('a count that is not a positive integer is refused', async () => {
    await assert.rejects(importSynthetic(database, { count: 0 }), RangeError)
    await assert.rejects(importSynthetic(database, { count: 1.5 }), RangeError)
  })
})

import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'

/** GET /api/books on the real goodbooks catalog: filters, sorts, and cursor walks. */

const { app, db } = await buildTestApp({ after }, { seed: true })

interface BookRow {
  id: number
  ratings_count: number
  average_rating: number | null
  original_publication_year: number | null
  sort_title: string
}

type Page = { items: { id: number; title: string }[]; nextCursor: string | null; total: number }

async function getPage(query: string): Promise<Page> {
  const response = await app.inject(`/api/books?${query}`)
  assert.equal(response.statusCode, 200, response.body)
  return response.json()
}

/** Follows nextCursor to the end, asserting every page agrees on the total. */
async function walk(query: string) {
  const ids: number[] = []
  let cursor: string | null = null
  let total = -1
  for (let pages = 0; pages < 1000; pages++) {
    const page: Page = await getPage(cursor ? `${query}&cursor=${cursor}` : query)
    if (total === -1) total = page.total
    assert.equal(page.total, total)
    ids.push(...page.items.map((b) => b.id))
    cursor = page.nextCursor
    if (!cursor) break
  }
  return { ids, total }
}

// The expected orders, computed here from raw rows with independent comparators.
const desc = (a: number, b: number) => b - a
const ORDERS: Record<string, (a: BookRow, b: BookRow) => number> = {
  popular: (a, b) => desc(a.ratings_count, b.ratings_count) || desc(a.id, b.id),
  rating: (a, b) => desc(a.average_rating ?? 0, b.average_rating ?? 0) || desc(a.id, b.id),
  newest: (a, b) =>
    desc(a.original_publication_year ?? -32768, b.original_publication_year ?? -32768) ||
    desc(a.id, b.id),
  title: (a, b) =>
    Buffer.compare(Buffer.from(a.sort_title), Buffer.from(b.sort_title)) || a.id - b.id,
}

async function rowsWhere(where = sql`true`): Promise<BookRow[]> {
  const result = await sql<BookRow>`
    SELECT id, ratings_count, average_rating, original_publication_year, sort_title
    FROM books b WHERE ${where}`.execute(db)
  return result.rows.map((r) => ({
    ...r,
    average_rating: r.average_rating === null ? null : Number(r.average_rating),
  }))
}

describe('GET /api/books', () => {
  test('the first page is the 20 most popular of all 10,000 books', async () => {
    const page = await getPage('')
    assert.equal(page.total, 10_000)
    assert.equal(page.items.length, 20)
    assert.ok(page.nextCursor)
    const expected = (await rowsWhere())
      .sort(ORDERS.popular)
      .slice(0, 20)
      .map((r) => r.id)
    assert.deepEqual(
      page.items.map((b) => b.id),
      expected,
    )
  })

  test('walking the whole catalog by title visits every book once, in order', async () => {
    const { ids, total } = await walk('sort=title&limit=100')
    assert.equal(total, 10_000)
    assert.equal(new Set(ids).size, ids.length, 'no duplicates')
    const expected = (await rowsWhere()).sort(ORDERS.title).map((r) => r.id)
    assert.deepEqual(ids, expected, 'no gaps and no reordering')
  })

  for (const sort of Object.keys(ORDERS)) {
    test(`sort=${sort} walks the fantasy books in ${sort} order with no gaps or duplicates`, async () => {
      const { ids, total } = await walk(`genre=fantasy&sort=${sort}&limit=37`)
      const expected = (
        await rowsWhere(
          sql`b.id IN (SELECT book_id FROM book_genres bg JOIN genres g ON g.id = bg.genre_id WHERE g.slug = 'fantasy')`,
        )
      )
        .sort(ORDERS[sort])
        .map((r) => r.id)
      assert.ok(expected.length > 20, 'the fantasy genre has books on several pages')
      assert.equal(total, expected.length)
      assert.deepEqual(ids, expected)
    })
  }

  test('filters by author: every Rowling book, and only those', async () => {
    const author = await db
      .selectFrom('authors')
      .select('id')
      .where('slug', '=', 'j-k-rowling')
      .executeTakeFirstOrThrow()
    const { ids, total } = await walk(`author=${author.id}&limit=100`)
    const expected = await db
      .selectFrom('book_authors')
      .select('book_id')
      .where('author_id', '=', author.id)
      .execute()
    assert.equal(total, expected.length)
    assert.deepEqual([...ids].sort(desc), expected.map((r) => r.book_id).sort(desc))
  })

  test('filters by series', async () => {
    const series = await db
      .selectFrom('series')
      .select('id')
      .where('slug', '=', 'harry-potter')
      .executeTakeFirstOrThrow()
    const page = await getPage(`series=${series.id}&limit=100`)
    assert.ok(page.total >= 7)
    const linked = await db
      .selectFrom('book_series')
      .select('book_id')
      .where('series_id', '=', series.id)
      .execute()
    assert.deepEqual(
      page.items.map((b) => b.id).sort(desc),
      linked.map((r) => r.book_id).sort(desc),
    )
  })

  test('filters by language, year range and minimum rating, alone and combined', async () => {
    const cases: [string, ReturnType<typeof sql>][] = [
      ['language=eng', sql`b.language = 'eng'`],
      ['yearFrom=1990&yearTo=1999', sql`b.original_publication_year BETWEEN 1990 AND 1999`],
      ['yearTo=0', sql`b.original_publication_year <= 0`],
      ['minRating=4.5', sql`b.average_rating >= 4.5`],
      [
        'language=eng&yearFrom=2000&minRating=4.2&genre=young-adult',
        sql`b.language = 'eng' AND b.original_publication_year >= 2000 AND b.average_rating >= 4.2
            AND b.id IN (SELECT book_id FROM book_genres bg JOIN genres g ON g.id = bg.genre_id WHERE g.slug = 'young-adult')`,
      ],
    ]
    for (const [query, where] of cases) {
      const { ids, total } = await walk(`${query}&limit=100&sort=rating`)
      const expected = (await rowsWhere(where)).sort(ORDERS.rating).map((r) => r.id)
      assert.ok(expected.length > 0, `${query} matches something`)
      assert.equal(total, expected.length, query)
      assert.deepEqual(ids, expected, query)
    }
  })

  test('a filter that matches nothing is an empty page, not an error', async () => {
    const page = await getPage('yearFrom=2100')
    assert.deepEqual(page, { items: [], nextCursor: null, total: 0 })
  })

  test('items carry authors in credited order, price and rating', async () => {
    const page = await getPage('limit=100')
    const potter = page.items.find((b) => b.title === "Harry Potter and the Sorcerer's Stone") as
      | Record<string, unknown>
      | undefined
    assert.ok(potter)
    assert.deepEqual(
      (potter.authors as { name: string }[]).map((a) => a.name),
      ['J.K. Rowling', 'Mary GrandPré'],
    )
    assert.equal((potter.price as { currency: string }).currency, 'USD')
    assert.ok((potter.averageRating as number) > 4)
    assert.ok((potter.ratingsCount as number) > 1_000_000)
  })

  const badQueries: [string, string, string][] = [
    ['limit=0', 'VALIDATION_FAILED', 'limit'],
    ['limit=100000', 'VALIDATION_FAILED', 'limit'],
    ['limit=ten', 'VALIDATION_FAILED', 'limit'],
    ['sort=cheapest', 'VALIDATION_FAILED', 'sort'],
    ['colour=blue', 'VALIDATION_FAILED', 'colour'],
    ['author=-1', 'VALIDATION_FAILED', 'author'],
    ['author=99999999999', 'VALIDATION_FAILED', 'author'],
    ['series=abc', 'VALIDATION_FAILED', 'series'],
    ['minRating=6', 'VALIDATION_FAILED', 'minRating'],
    ['yearFrom=1e9', 'VALIDATION_FAILED', 'yearFrom'],
    ['language=English', 'VALIDATION_FAILED', 'language'],
    ['genre=Not%20A%20Slug', 'VALIDATION_FAILED', 'genre'],
    ['genre=unicorns', 'UNKNOWN_GENRE', ''],
    ['yearFrom=2000&yearTo=1990', 'INVALID_RANGE', ''],
    ['cursor=not-a-cursor', 'INVALID_CURSOR', ''],
    [`cursor=${Buffer.from('[1,2,3]').toString('base64url')}`, 'INVALID_CURSOR', ''],
    [`cursor=${'x'.repeat(600)}`, 'VALIDATION_FAILED', 'cursor'],
  ]
  for (const [query, code, field] of badQueries) {
    test(`?${query.slice(0, 40)} is a 400 ${code}`, async () => {
      const response = await app.inject(`/api/books?${query}`)
      const body = assertProblem(response, 400, code)
      if (field)
        assert.ok(
          body.errors?.some((e) => e.field === field && e.in === 'query'),
          response.body,
        )
    })
  }

  test('a cursor from one sort order is refused by another', async () => {
    const { nextCursor } = await getPage('sort=rating')
    const response = await app.inject(`/api/books?sort=title&cursor=${nextCursor}`)
    assertProblem(response, 400, 'INVALID_CURSOR')
  })

  test('several bad parameters are all listed in one answer', async () => {
    const response = await app.inject('/api/books?limit=0&sort=x&minRating=-1')
    const body = assertProblem(response, 400, 'VALIDATION_FAILED')
    assert.deepEqual(body.errors?.map((e) => e.field).sort(), ['limit', 'minRating', 'sort'])
  })
})

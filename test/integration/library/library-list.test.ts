import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'

/** GET /api/me/library: filters, every sort, and cursor walks that neither skip nor repeat. */

const { app, db } = await buildTestApp({ after }, { seed: true })
const reader = await registerUser(app)
const stranger = await registerUser(app)

// Books with real titles, spread across the catalog; the reader shelves 14 of them.
const books = (
  await db
    .selectFrom('books')
    .select('id')
    .where(sql<boolean>`id % 500 = 7`)
    .orderBy('id')
    .limit(14)
    .execute()
).map((b) => b.id)

const shelves = ['want_to_read', 'reading', 'read', 'did_not_finish'] as const
for (const [i, bookId] of books.entries()) {
  const shelf = shelves[i % 4]!
  const payload: Record<string, unknown> = { shelf, progress: [0, 35, 100, 35, 70][i % 5] }
  // some dates missing, some shared, so that ties and nulls are walked through
  if (i % 3 !== 0) payload.startedOn = `2024-0${(i % 4) + 1}-1${i % 2}`
  if (shelf === 'read') payload.finishedOn = i % 2 === 0 ? '2024-06-01' : null
  const response = await app.inject({
    method: 'PUT',
    url: `/api/me/library/${bookId}`,
    payload,
    headers: reader.headers,
  })
  assert.equal(response.statusCode, 201, response.body)
}
// two entries changed in the same instant: the book id breaks the tie
await sql`UPDATE library_entries SET updated_at = '2025-01-01T00:00:00.123456Z'
          WHERE user_id = ${reader.id} AND book_id IN (${books[2]}, ${books[3]})`.execute(db)
// the stranger's shelf must never show up in the reader's lists
await app.inject({
  method: 'PUT',
  url: `/api/me/library/${books[0]}`,
  payload: { shelf: 'read' },
  headers: stranger.headers,
})

interface Row {
  book_id: number
  shelf: string | null
  progress: number
  started: string
  finished: string
  updated: string
  sort_title: string
  owned: boolean
}
const rows: Row[] = (
  await sql<Row>`
    SELECT le.book_id, le.shelf, le.progress, le.owned, b.sort_title,
           coalesce(to_char(le.started_on, 'YYYY-MM-DD'), '0000') AS started,
           coalesce(to_char(le.finished_on, 'YYYY-MM-DD'), '0000') AS finished,
           to_char(le.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS updated
    FROM library_entries le JOIN books b ON b.id = le.book_id
    WHERE le.user_id = ${reader.id}`.execute(db)
).rows

const byDesc = (key: (r: Row) => string | number) => (a: Row, b: Row) =>
  key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : b.book_id - a.book_id
// sort_title is COLLATE "C": byte order of its UTF-8
const byTitle = (a: Row, b: Row) =>
  Buffer.compare(Buffer.from(a.sort_title), Buffer.from(b.sort_title)) || a.book_id - b.book_id

const EXPECTED: Record<string, (a: Row, b: Row) => number> = {
  updated: byDesc((r) => r.updated),
  title: byTitle,
  progress: byDesc((r) => r.progress),
  started: byDesc((r) => r.started),
  finished: byDesc((r) => r.finished),
}

async function walk(query: string, limit: number) {
  const ids: number[] = []
  let cursor: string | null = null
  let pages = 0
  let total = -1
  do {
    const url: string = `/api/me/library?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`
    const response = await app.inject({ url, headers: reader.headers })
    assert.equal(response.statusCode, 200, response.body)
    const page = response.json()
    total = page.total
    ids.push(...page.items.map((e: { book: { id: number } }) => e.book.id))
    cursor = page.nextCursor
    pages++
  } while (cursor && pages < 50)
  return { ids, total }
}

describe('GET /api/me/library', () => {
  for (const [sort, compare] of Object.entries(EXPECTED)) {
    test(`sort=${sort}: a walk of pages of 3 lists every entry once, in order`, async () => {
      const expected = [...rows].sort(compare).map((r) => r.book_id)
      const { ids, total } = await walk(`sort=${sort}`, 3)
      assert.deepEqual(ids, expected)
      assert.equal(total, books.length)
    })
  }

  test('filters by shelf, and by shelf and sort together', async () => {
    for (const shelf of shelves) {
      const expected = rows
        .filter((r) => r.shelf === shelf)
        .sort(EXPECTED.progress)
        .map((r) => r.book_id)
      const { ids, total } = await walk(`shelf=${shelf}&sort=progress`, 2)
      assert.deepEqual(ids, expected, shelf)
      assert.equal(total, expected.length)
    }
  })

  test('filters by genre', async () => {
    const genres = await db
      .selectFrom('book_genres as bg')
      .innerJoin('genres as g', 'g.id', 'bg.genre_id')
      .select(['g.slug', 'bg.book_id'])
      .where('bg.book_id', 'in', books)
      .execute()
    const slug = genres[0]!.slug
    const withGenre = new Set(genres.filter((g) => g.slug === slug).map((g) => g.book_id))
    const expected = [...rows]
      .filter((r) => withGenre.has(r.book_id))
      .sort(EXPECTED.title)
      .map((r) => r.book_id)
    const { ids, total } = await walk(`genre=${slug}&sort=title`, 2)
    assert.deepEqual(ids, expected)
    assert.equal(total, expected.length)
  })

  test('an unknown genre is a 400 UNKNOWN_GENRE', async () => {
    assertProblem(
      await app.inject({ url: '/api/me/library?genre=no-such-genre', headers: reader.headers }),
      400,
      'UNKNOWN_GENRE',
    )
  })

  test('a cursor of another sort, or with a forged value, is a 400 INVALID_CURSOR', async () => {
    const first = (
      await app.inject({ url: '/api/me/library?sort=updated&limit=2', headers: reader.headers })
    ).json()
    assertProblem(
      await app.inject({
        url: `/api/me/library?sort=title&cursor=${first.nextCursor}`,
        headers: reader.headers,
      }),
      400,
      'INVALID_CURSOR',
    )
    for (const [sort, value] of [
      ['updated', 'yesterday'],
      ['started', "2024-01-01'; DROP TABLE books; --"],
      ['progress', 'lots'],
    ]) {
      const forged = Buffer.from(JSON.stringify([sort, value, 1])).toString('base64url')
      assertProblem(
        await app.inject({
          url: `/api/me/library?sort=${sort}&cursor=${forged}`,
          headers: reader.headers,
        }),
        400,
        'INVALID_CURSOR',
      )
    }
  })

  test('unknown query parameters are a 400', async () => {
    assertProblem(
      await app.inject({ url: '/api/me/library?userId=1', headers: reader.headers }),
      400,
      'VALIDATION_FAILED',
    )
  })
})

import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { bookPicker } from './reviews-support.ts'

/** A book's reviews in every order, walked page by page; a reader's own list; verifiedReader. */

const { app, db } = await buildTestApp({ after }, { seed: true })
const pickBooks = bookPicker(db)

const inject = (user: TestUser, method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, payload, headers: user.headers })

// nine readers review one book; ratings and helpful votes repeat, so every sort has ties
const [bookId] = await pickBooks(1)
const readers = await Promise.all(Array.from({ length: 9 }, () => registerUser(app)))
const ratings = [5, 3, 5, 1, 4, 3, 2, 5, 4]
const reviewIds: number[] = []
for (const [i, reader] of readers.entries()) {
  const payload = i % 3 === 0 ? { rating: ratings[i] } : { rating: ratings[i], body: `Review ${i}` }
  const response = await inject(reader, 'POST', `/api/books/${bookId}/reviews`, payload)
  assert.equal(response.statusCode, 201, response.body)
  reviewIds.push(response.json().id)
}
const votes = [0, 2, 2, 0, 1, 3, 0, 1, 0]
for (const [i, count] of votes.entries()) {
  for (let v = 1; v <= count; v++) {
    const voter = readers[(i + v) % readers.length]!
    await inject(voter, 'POST', `/api/reviews/${reviewIds[i]}/helpful`)
  }
}

interface Row {
  id: number
  rating: number
  helpful_count: number
  body: string | null
}
const rows: Row[] = await db
  .selectFrom('reviews')
  .select(['id', 'rating', 'helpful_count', 'body'])
  .where('book_id', '=', bookId!)
  .execute()
assert.deepEqual(
  reviewIds.map((id) => rows.find((r) => r.id === id)?.helpful_count),
  votes,
)

const EXPECTED: Record<string, (a: Row, b: Row) => number> = {
  newest: (a, b) => b.id - a.id,
  highest: (a, b) => b.rating - a.rating || b.id - a.id,
  lowest: (a, b) => a.rating - b.rating || a.id - b.id,
  helpful: (a, b) => b.helpful_count - a.helpful_count || b.id - a.id,
}

async function walk(url: string, limit: number, user?: TestUser) {
  const ids: number[] = []
  let cursor: string | null = null
  let total = -1
  do {
    const page: Awaited<ReturnType<typeof app.inject>> = await app.inject({
      url: `${url}${url.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: user?.headers ?? {},
    })
    assert.equal(page.statusCode, 200, page.body)
    const body = page.json()
    assert.ok(body.items.length <= limit)
    ids.push(...body.items.map((r: { id: number }) => r.id))
    total = body.total
    cursor = body.nextCursor
  } while (cursor && ids.length <= 100)
  return { ids, total }
}

describe('GET /api/books/:id/reviews', () => {
  for (const [sort, compare] of Object.entries(EXPECTED)) {
    test(`sort=${sort}: pages of 2 list every review once, in order`, async () => {
      const { ids, total } = await walk(`/api/books/${bookId}/reviews?sort=${sort}`, 2)
      assert.deepEqual(
        ids,
        [...rows].sort(compare).map((r) => r.id),
      )
      assert.equal(total, 9)
    })
  }

  test('withText=true leaves out bare ratings', async () => {
    const { ids, total } = await walk(`/api/books/${bookId}/reviews?withText=true&sort=highest`, 4)
    const expected = rows.filter((r) => r.body !== null).sort(EXPECTED.highest)
    assert.deepEqual(
      ids,
      expected.map((r) => r.id),
    )
    assert.equal(total, 6)
  })

  test('is public, and shows authors by display name only', async () => {
    const response = await app.inject(`/api/books/${bookId}/reviews?limit=1`)
    const [first] = response.json().items
    assert.deepEqual(Object.keys(first.author).sort(), ['displayName', 'id'])
    assert.doesNotMatch(response.body, /@example\.com|argon2/)
  })

  test('a cursor of another sort or with a forged value is a 400 INVALID_CURSOR', async () => {
    const page = (await app.inject(`/api/books/${bookId}/reviews?sort=highest&limit=2`)).json()
    assertProblem(
      await app.inject(`/api/books/${bookId}/reviews?sort=lowest&cursor=${page.nextCursor}`),
      400,
      'INVALID_CURSOR',
    )
    const forged = Buffer.from(JSON.stringify(['highest', 'five', 3])).toString('base64url')
    assertProblem(
      await app.inject(`/api/books/${bookId}/reviews?sort=highest&cursor=${forged}`),
      400,
      'INVALID_CURSOR',
    )
  })
})

describe('GET /api/me/reviews', () => {
  test("lists the caller's reviews, newest first, and no one else's", async () => {
    const reader = readers[0]!
    const [b1, b2, b3] = await pickBooks(3)
    const mine = [reviewIds[0]!]
    for (const b of [b1, b2, b3]) {
      const response = await inject(reader, 'POST', `/api/books/${b}/reviews`, { rating: 3 })
      mine.push(response.json().id)
    }
    const { ids, total } = await walk('/api/me/reviews', 3, reader)
    assert.deepEqual(ids, mine.reverse())
    assert.equal(total, 4)
  })
})

describe('verifiedReader', () => {
  test('follows the author’s library: owned, shelved as read, or at least half read', async () => {
    const author = await registerUser(app)
    const [book] = await pickBooks(1)
    const created = await inject(author, 'POST', `/api/books/${book}/reviews`, { rating: 4 })
    const url = `/api/reviews/${created.json().id}`
    const verified = async () => (await app.inject(url)).json().verifiedReader
    const shelve = async (payload: object) => {
      const response = await inject(author, 'PUT', `/api/me/library/${book}`, payload)
      assert.ok(response.statusCode < 300, response.body)
    }
    assert.equal(await verified(), false)
    await shelve({ shelf: 'want_to_read' })
    assert.equal(await verified(), false)
    await shelve({ shelf: 'reading', progress: 49 })
    assert.equal(await verified(), false)
    await shelve({ shelf: 'reading', progress: 50 })
    assert.equal(await verified(), true)
    await shelve({ shelf: 'read', progress: 10 })
    assert.equal(await verified(), true)
    await inject(author, 'DELETE', `/api/me/library/${book}`)
    assert.equal(await verified(), false)
    // bought, never shelved: what the orders module will write
    await db
      .insertInto('library_entries')
      .values({ user_id: author.id, book_id: book!, owned: true })
      .execute()
    assert.equal(await verified(), true)
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { cacheTags } from '../../../src/cache/tags.ts'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { registerAdmin } from '../security/principals.ts'

/**
 * GET /api/recommendations and GET /api/books/:id/similar on the goodbooks catalog, with a
 * small crowd of readers whose tastes are known: Tolkien readers and Austen readers. The
 * model is built by the admin refresh route, exactly as the scheduled job builds it.
 */

const { app, db } = await buildTestApp({ after }, { seed: true })

interface Item {
  book: { id: number; title: string; authors: { id: number; name: string }[] }
  reasons: { kind: string; text: string; book?: { id: number; title: string } }[]
}
type List = { items: Item[] }

// goodreads ids: stable across imports, unlike the catalog's own ids
const GOODREADS = {
  hobbit: 5907,
  fellowship: 34,
  twoTowers: 15241,
  returnOfTheKing: 18512,
  pride: 1885,
  emma: 6969,
  persuasion: 2156,
  sense: 14935,
}
const book = {} as Record<keyof typeof GOODREADS, number>
let admin: TestUser

async function crowd(name: string, count: number, ratings: [number, number][]) {
  const users = await db
    .insertInto('users')
    .values(Array.from({ length: count }, (_, i) => ({ display_name: `${name} ${i + 1}` })))
    .returning('id')
    .execute()
  await db
    .insertInto('reviews')
    .values(
      users.flatMap((u) =>
        ratings.map(([bookId, rating]) => ({ user_id: u.id, book_id: bookId, rating })),
      ),
    )
    .execute()
}

async function refreshModel() {
  const response = await app.inject({
    method: 'POST',
    url: '/api/admin/maintenance/refresh-statistics',
    headers: admin.headers,
  })
  assert.equal(response.statusCode, 200, response.body)
  return response.json() as { runs: { job: string; durationMs: number; detail: string }[] }
}

const recommendations = async (user: TestUser, limit = 10) => {
  // After an invalidation the cache may serve the old answer (X-Cache: STALE) while it
  // recomputes, when that takes longer than CACHE_TIMEOUT_MS (a loaded machine): the test
  // wants the answer that follows the reader's signals, so it asks until it gets a fresh one.
  const deadline = Date.now() + 30_000
  for (;;) {
    const response = await app.inject({
      method: 'GET',
      url: `/api/recommendations?limit=${limit}`,
      headers: user.headers,
    })
    assert.equal(response.statusCode, 200, response.body)
    if (response.headers['x-cache'] !== 'STALE' || Date.now() > deadline) {
      return { response, body: response.json() as List }
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const similar = async (id: number, limit = 10) => {
  const response = await app.inject({
    method: 'GET',
    url: `/api/books/${id}/similar?limit=${limit}`,
  })
  assert.equal(response.statusCode, 200, response.body)
  return { response, body: response.json() as List }
}

const ids = (list: List) => list.items.map((item) => item.book.id)

before(async () => {
  const rows = await db
    .selectFrom('books')
    .select(['id', 'goodreads_id'])
    .where('goodreads_id', 'in', Object.values(GOODREADS))
    .execute()
  for (const [key, goodreadsId] of Object.entries(GOODREADS)) {
    const row = rows.find((r) => r.goodreads_id === goodreadsId)
    assert.ok(row, `goodbooks has ${key}`)
    book[key as keyof typeof GOODREADS] = row.id
  }
  // Tolkien readers love the four; Austen readers love four Austen novels; a few readers of
  // both make the two groups touch, as real readers do
  await crowd('Tolkien reader', 12, [
    [book.hobbit, 5],
    [book.fellowship, 5],
    [book.twoTowers, 5],
    [book.returnOfTheKing, 4],
  ])
  await crowd('Austen reader', 12, [
    [book.pride, 5],
    [book.emma, 5],
    [book.persuasion, 4],
    [book.sense, 4],
  ])
  await crowd('Reader of both', 2, [
    [book.hobbit, 4],
    [book.pride, 4],
  ])
  admin = await registerAdmin(app, db)
  await refreshModel()
})

describe('GET /api/books/:id/similar', () => {
  test('lists what readers of the book also liked, best first, with the reason', async () => {
    const { response, body } = await similar(book.hobbit, 5)
    const top3 = ids(body).slice(0, 3)
    assert.deepEqual(
      new Set(top3),
      new Set([book.fellowship, book.twoTowers, book.returnOfTheKing]),
      'the three Tolkien books come first',
    )
    assert.ok(!ids(body).includes(book.hobbit), 'never the book itself')
    assert.equal(body.items.length, 5, 'filled up to the limit')
    const first = body.items[0]!
    assert.equal(first.reasons[0]!.kind, 'co_readers')
    assert.equal(first.reasons[0]!.text, 'Readers who liked The Hobbit also liked this')
    assert.match(String(response.headers['cache-control']), /^public/)
  })

  test('a book nobody has rated falls back to its author and genre, still with reasons', async () => {
    // the Silmarillion: Tolkien, but none of our readers rated it
    const silmarillion = await db
      .selectFrom('books')
      .select('id')
      .where('title', 'like', 'The Silmarillion%')
      .executeTakeFirstOrThrow()
    const { body } = await similar(silmarillion.id, 10)
    assert.equal(body.items.length, 10)
    const tolkien = body.items.filter((i) => i.reasons.some((r) => r.kind === 'same_author'))
    assert.ok(tolkien.length >= 3, 'more by Tolkien first')
    assert.ok(
      tolkien.every((i) => i.book.authors.some((a) => a.name === 'J.R.R. Tolkien')),
      'same_author is true of the book',
    )
    assert.deepEqual(
      body.items.slice(0, tolkien.length),
      tolkien,
      'the author tier comes before the genre tier',
    )
    for (const item of body.items) assert.ok(item.reasons.length > 0)
  })

  test('answers 404 BOOK_NOT_FOUND for a book that does not exist', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/books/99999999/similar' })
    assertProblem(response, 404, 'BOOK_NOT_FOUND')
  })

  test('refuses a limit outside 1–50', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/books/${book.hobbit}/similar?limit=51`,
    })
    assertProblem(response, 400, 'VALIDATION_FAILED')
  })
})

describe('GET /api/recommendations', () => {
  test('needs a logged-in reader', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/recommendations' })
    assertProblem(response, 401, 'AUTH_REQUIRED')
  })

  test('recommends the neighbours of what the reader liked, saying why', async () => {
    const reader = await registerUser(app)
    const review = await app.inject({
      method: 'POST',
      url: `/api/books/${book.hobbit}/reviews`,
      headers: reader.headers,
      payload: { rating: 5 },
    })
    assert.equal(review.statusCode, 201, review.body)
    const { response, body } = await recommendations(reader, 5)
    assert.equal(body.items.length, 5)
    assert.deepEqual(
      new Set(ids(body).slice(0, 3)),
      new Set([book.fellowship, book.twoTowers, book.returnOfTheKing]),
    )
    assert.ok(!ids(body).includes(book.hobbit), 'a rated book is never recommended')
    const reason = body.items[0]!.reasons[0]!
    assert.equal(reason.kind, 'because_you')
    assert.equal(reason.text, 'Because you liked The Hobbit')
    assert.deepEqual(reason.book, { id: book.hobbit, title: 'The Hobbit' })
    assert.match(String(response.headers['cache-control']), /^private/)
  })

  test('leaves out books the reader has read, shelved or bought, and follows new signals', async () => {
    const reader = await registerUser(app)
    const shelve = await app.inject({
      method: 'PUT',
      url: `/api/me/library/${book.fellowship}`,
      headers: reader.headers,
      payload: { shelf: 'read' },
    })
    assert.equal(shelve.statusCode, 201, shelve.body)
    const first = await recommendations(reader)
    assert.ok(!ids(first.body).includes(book.fellowship))
    assert.ok(ids(first.body).slice(0, 3).includes(book.twoTowers))
    assert.equal(
      first.body.items[0]!.reasons[0]!.text,
      'Because you read The Fellowship of the Ring',
    )

    // a purchase, as the orders module records it, then drops the reader's cached answers
    await db
      .insertInto('library_entries')
      .values({ user_id: reader.id, book_id: book.twoTowers, owned: true })
      .execute()
    await app.cache.invalidate([cacheTags.user(reader.id)])
    const second = await recommendations(reader)
    assert.ok(!ids(second.body).includes(book.twoTowers), 'an owned book is not recommended')
    assert.ok(!ids(second.body).includes(book.fellowship))
    assert.ok(ids(second.body).slice(0, 2).includes(book.returnOfTheKing))
  })

  test('a low rating is not a reason to recommend more of the same', async () => {
    const reader = await registerUser(app)
    await app.inject({
      method: 'POST',
      url: `/api/books/${book.pride}/reviews`,
      headers: reader.headers,
      payload: { rating: 1 },
    })
    const { body } = await recommendations(reader)
    assert.ok(!ids(body).includes(book.pride))
    assert.ok(
      body.items.every((i) => i.reasons.every((r) => r.kind !== 'because_you')),
      'no "because you liked" from a one-star rating',
    )
  })

  test('a reader with no history gets popular books overall', async () => {
    const reader = await registerUser(app)
    const { body } = await recommendations(reader, 10)
    assert.equal(body.items.length, 10)
    const expected = await sql<{ book_id: number }>`
      SELECT book_id FROM book_stats ORDER BY popularity_score DESC, book_id LIMIT 10`.execute(db)
    assert.deepEqual(
      ids(body),
      expected.rows.map((r) => r.book_id),
    )
    for (const item of body.items) {
      assert.ok(['popular', 'trending'].includes(item.reasons[0]!.kind), item.reasons[0]!.kind)
    }
  })

  test('a reader whose books have no neighbours gets popular books of their favourite genres', async () => {
    const reader = await registerUser(app)
    // a book none of the crowd rated: no neighbours, but it has genres
    const lonely = await sql<{ id: number; genre_id: number }>`
      SELECT b.id, bg.genre_id FROM books b
      JOIN book_genres bg ON bg.book_id = b.id
      WHERE NOT EXISTS (SELECT 1 FROM book_neighbours n WHERE n.book_id = b.id)
      ORDER BY b.id, bg.weight DESC LIMIT 1`.execute(db)
    const { id, genre_id } = lonely.rows[0]!
    await app.inject({
      method: 'PUT',
      url: `/api/me/library/${id}`,
      headers: reader.headers,
      payload: { shelf: 'want_to_read' },
    })
    const { body } = await recommendations(reader, 5)
    assert.equal(body.items.length, 5)
    assert.ok(!ids(body).includes(id))
    const genreReasons = body.items.filter((i) =>
      i.reasons.some((r) => r.kind === 'popular_in_genre' || r.kind === 'trending_in_genre'),
    )
    assert.ok(genreReasons.length > 0, 'the favourite genres come first')
    const inGenre = await db
      .selectFrom('book_genres')
      .select('book_id')
      .where('genre_id', '=', genre_id)
      .where(
        'book_id',
        'in',
        genreReasons.map((i) => i.book.id),
      )
      .execute()
    assert.ok(inGenre.length > 0, 'and they are books of that genre')
  })
})

describe('trending', () => {
  test('a book many readers took up this month is labelled trending in its genre', async () => {
    // a genre's most popular book, and a reader whose only book is another of that genre
    const genre = await sql<{ genre_id: number; top: number[] }>`
      SELECT genre_id, top_book_ids AS top FROM genre_stats
      WHERE cardinality(top_book_ids) >= 20 ORDER BY genre_id LIMIT 1`.execute(db)
    const { genre_id: genreId, top } = genre.rows[0]!
    const hot = top[0]!
    const fans = await db
      .insertInto('users')
      .values(Array.from({ length: 5 }, (_, i) => ({ display_name: `Fan ${i + 1}` })))
      .returning('id')
      .execute()
    await db
      .insertInto('library_entries')
      .values(fans.map((u) => ({ user_id: u.id, book_id: hot, shelf: 'reading' as const })))
      .execute()
    await refreshModel()
    const reader = await registerUser(app)
    const only = await sql<{ book_id: number }>`
      SELECT bg.book_id FROM book_genres bg
      WHERE bg.genre_id = ${genreId} AND bg.book_id <> ${hot}
        AND NOT EXISTS (SELECT 1 FROM book_neighbours n WHERE n.book_id = bg.book_id)
      -- preferably a book of that genre alone, so it is the reader's favourite
      ORDER BY (SELECT count(*) FROM book_genres o WHERE o.book_id = bg.book_id), bg.book_id
      LIMIT 1`.execute(db)
    await app.inject({
      method: 'PUT',
      url: `/api/me/library/${only.rows[0]!.book_id}`,
      headers: reader.headers,
      payload: { shelf: 'read' },
    })
    const { body } = await recommendations(reader, 10)
    const item = body.items.find((i) => i.book.id === hot)
    assert.ok(item, "the genre's top book is recommended")
    assert.equal(item.reasons[0]!.kind, 'trending_in_genre')
    const quiet = body.items.find((i) => i.book.id !== hot)!
    assert.equal(quiet.reasons[0]!.kind, 'popular_in_genre')
  })
})

describe('statistics views', () => {
  test('book_stats counts sales (owners), readers and scores popularity; genre_stats ranks top books', async () => {
    // a book with genres (goodbooks shelves only some books into genres)
    const sold = await sql<{ book_id: number; genre_id: number }>`
      SELECT book_id, genre_id FROM book_genres ORDER BY book_id, weight DESC LIMIT 1`.execute(db)
    const { book_id: bookId, genre_id: genreId } = sold.rows[0]!
    const buyers = await db
      .insertInto('users')
      .values([
        { display_name: 'Buyer 1' },
        { display_name: 'Buyer 2' },
        { display_name: 'Buyer 3' },
      ])
      .returning('id')
      .execute()
    await db
      .insertInto('library_entries')
      .values(buyers.map((u) => ({ user_id: u.id, book_id: bookId, owned: true })))
      .execute()
    const before = await sql<{ sales: number; popularity_score: number }>`
      SELECT sales, popularity_score FROM book_stats WHERE book_id = ${bookId}`.execute(db)
    await refreshModel()
    const stats = await sql<{
      sales: number
      ratings_count: number
      bayesian_score: number
      popularity_score: number
      bayesian_rating: number
    }>`
      SELECT s.sales, s.ratings_count, s.bayesian_score, s.popularity_score, b.bayesian_rating
      FROM book_stats s JOIN books b ON b.id = s.book_id
      WHERE s.book_id = ${bookId}`.execute(db)
    const row = stats.rows[0]!
    assert.equal(row.sales, before.rows[0]!.sales + 3)
    assert.ok(row.popularity_score > before.rows[0]!.popularity_score, 'sales raise popularity')
    assert.equal(Number(row.bayesian_score), Number(row.bayesian_rating))

    const user = await sql<{ books_owned: number }>`
      SELECT books_owned FROM user_stats WHERE user_id = ${buyers[0]!.id}`.execute(db)
    assert.equal(user.rows[0]!.books_owned, 1)

    const genre = await sql<{ books: number; top_book_ids: number[]; sales: number }>`
      SELECT gs.books, gs.top_book_ids, gs.sales FROM genre_stats gs
      WHERE gs.genre_id = ${genreId}`.execute(db)
    const g = genre.rows[0]!
    assert.ok(g.sales >= 3)
    assert.ok(g.top_book_ids.length === Math.min(100, g.books))
    const scores = await sql<{ book_id: number; popularity_score: number }>`
      SELECT book_id, popularity_score FROM book_stats
      WHERE book_id = ANY(${g.top_book_ids}::int[])`.execute(db)
    const scoreOf = new Map(scores.rows.map((r) => [r.book_id, r.popularity_score]))
    const inOrder = g.top_book_ids.map((id) => scoreOf.get(id)!)
    assert.deepEqual(
      inOrder,
      [...inOrder].sort((a, b) => b - a),
      'top books by popularity',
    )
  })

  test('popularity_score rewards ratings, stars, sales and recent activity', async () => {
    const score = async (args: [number, number, number, number, number]) => {
      const r = await sql<{ s: number }>`
        SELECT popularity_score(${args[0]}, ${args[1]}, ${args[2]}, ${args[3]}, ${args[4]}) AS s`.execute(
        db,
      )
      return r.rows[0]!.s
    }
    const base = await score([1000, 4, 0, 0, 0])
    assert.ok((await score([2000, 4, 0, 0, 0])) > base)
    assert.ok((await score([1000, 4.5, 0, 0, 0])) > base)
    assert.ok((await score([1000, 4, 5, 0, 0])) > base)
    assert.ok((await score([1000, 4, 0, 0, 5])) > base)
  })
})

describe('maintenance', () => {
  test('the refresh route is for admins only', async () => {
    const reader = await registerUser(app)
    const response = await app.inject({
      method: 'POST',
      url: '/api/admin/maintenance/refresh-statistics',
      headers: reader.headers,
    })
    assertProblem(response, 403, 'FORBIDDEN')
  })

  test('runs the jobs asked for and records each run', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/admin/maintenance/refresh-statistics?job=recommendations',
      headers: admin.headers,
    })
    assert.equal(response.statusCode, 200, response.body)
    const { runs } = response.json() as { runs: { job: string; detail: string }[] }
    assert.deepEqual(
      runs.map((r) => r.job),
      ['recommendations'],
    )
    const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM book_neighbours`.execute(
      db,
    )
    assert.equal(runs[0]!.detail, `${count.rows[0]!.n} neighbours`)
    const status = await app.inject({
      method: 'GET',
      url: '/api/admin/maintenance',
      headers: admin.headers,
    })
    assert.equal(status.statusCode, 200)
    const { jobs } = status.json() as { jobs: { job: string; ok: boolean }[] }
    assert.deepEqual(
      jobs.map((j) => [j.job, j.ok]),
      [
        ['recommendations', true],
        ['statistics', true],
      ],
    )
  })

  test('refuses an unknown job', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/admin/maintenance/refresh-statistics?job=everything',
      headers: admin.headers,
    })
    assertProblem(response, 400, 'VALIDATION_FAILED')
  })
})

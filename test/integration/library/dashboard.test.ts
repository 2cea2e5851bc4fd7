import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'

/**
 * GET /api/dashboard against figures worked out by hand for a reader built through the API:
 * shelved books with chosen dates, progress and reviews.
 */

const { app, db } = await buildTestApp({ after }, { seed: true })

const DAY = 86_400_000
const isoDate = (date: Date) => date.toISOString().slice(0, 10)
const now = new Date()
const year = now.getUTCFullYear()
const month = now.getUTCMonth()
/** the first day of the month `offset` months from this one (UTC) */
const monthStart = (offset: number) => new Date(Date.UTC(year, month + offset, 1))

const bookIds = (
  await db.selectFrom('books').select('id').where('id', '>', 3000).orderBy('id').limit(11).execute()
).map((b) => b.id)
const [A, B, C, D, E, F, G, H, I, J, K] = bookIds as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
]

const put = async (user: TestUser, bookId: number, payload: object) => {
  const response = await app.inject({
    method: 'PUT',
    url: `/api/me/library/${bookId}`,
    payload,
    headers: user.headers,
  })
  assert.ok([200, 201].includes(response.statusCode), response.body)
}
const review = async (user: TestUser, bookId: number, payload: object) => {
  const response = await app.inject({
    method: 'POST',
    url: `/api/books/${bookId}/reviews`,
    payload,
    headers: user.headers,
  })
  assert.equal(response.statusCode, 201, response.body)
  return response.json().id as number
}
const dashboard = async (user: TestUser) => {
  const response = await app.inject({ url: '/api/dashboard', headers: user.headers })
  assert.equal(response.statusCode, 200, response.body)
  return response.json()
}

// books finished on chosen dates: today, this month, 2 and 11 months back (inside the
// 12-month window), the day before the window, two years back, and one without a date
const finished: [number, string | null][] = [
  [A, isoDate(now)],
  [B, isoDate(monthStart(0))],
  [C, isoDate(new Date(monthStart(-2).getTime() + 14 * DAY))],
  [D, isoDate(monthStart(-11))],
  [E, isoDate(new Date(monthStart(-11).getTime() - DAY))],
  [F, `${year - 2}-06-15`],
  [G, null],
]

describe('GET /api/dashboard', () => {
  test("a new reader's dashboard is empty, with twelve months of zeros", async () => {
    const user = await registerUser(app)
    const body = await dashboard(user)
    assert.equal(body.year, year)
    assert.deepEqual(body.booksRead, { thisYear: 0, allTime: 0 })
    assert.deepEqual(
      body.booksPerMonth,
      Array.from({ length: 12 }, (_, i) => ({
        month: isoDate(monthStart(i - 11)).slice(0, 7),
        count: 0,
      })),
    )
    assert.deepEqual(body.genres, [])
    assert.deepEqual(body.shelves, {
      wantToRead: 0,
      reading: 0,
      read: 0,
      didNotFinish: 0,
      owned: 0,
    })
    assert.deepEqual(body.reviews, { written: 0, withText: 0, averageRating: null })
    assert.deepEqual(body.currentlyReading, [])
    assert.deepEqual(body.recentActivity, [])
  })

  test('matches figures worked out by hand for a reader built through the API', async () => {
    // someone else's reading must not count
    const other = await registerUser(app)
    await put(other, A, { shelf: 'read' })
    await review(other, A, { rating: 1 })

    const reader = await registerUser(app)
    for (const [bookId, finishedOn] of finished)
      await put(reader, bookId, { shelf: 'read', finishedOn })
    await put(reader, H, { shelf: 'reading', progress: 20, startedOn: '2024-01-02' })
    await put(reader, I, { shelf: 'reading', progress: 40 })
    await put(reader, J, { shelf: 'want_to_read' })
    await put(reader, K, { shelf: 'did_not_finish', progress: 12 })
    await db
      .updateTable('library_entries')
      .set({ owned: true })
      .where('user_id', '=', reader.id)
      .where('book_id', '=', J)
      .execute()
    const reviewA = await review(reader, A, {
      rating: 5,
      title: 'Wonderful',
      body: 'Read it twice.',
    })
    const reviewC = await review(reader, C, { rating: 4 })
    const reviewH = await review(reader, H, { rating: 2 })
    await put(reader, I, { shelf: 'reading', progress: 75 })

    const body = await dashboard(reader)
    const dates = finished.map(([, d]) => d).filter((d): d is string => d !== null)
    assert.deepEqual(body.booksRead, {
      allTime: 7,
      thisYear: dates.filter((d) => d.startsWith(`${year}-`)).length,
    })
    const months = Array.from({ length: 12 }, (_, i) => isoDate(monthStart(i - 11)).slice(0, 7))
    assert.deepEqual(
      body.booksPerMonth,
      months.map((m) => ({ month: m, count: dates.filter((d) => d.startsWith(m)).length })),
    )
    // in the window: A and B (this month, or the same day when today is the 1st), C, D
    assert.equal(
      body.booksPerMonth.reduce((s: number, m: { count: number }) => s + m.count, 0),
      4,
    )

    const readGenres = await db
      .selectFrom('book_genres as bg')
      .innerJoin('genres as g', 'g.id', 'bg.genre_id')
      .select(['g.id', 'g.name', 'g.slug'])
      .where('bg.book_id', 'in', [A, B, C, D, E, F, G])
      .execute()
    const counts = new Map<number, { id: number; name: string; slug: string; count: number }>()
    for (const g of readGenres) {
      const entry = counts.get(g.id) ?? { ...g, count: 0 }
      entry.count++
      counts.set(g.id, entry)
    }
    const expectedGenres = [...counts.values()].sort(
      (a, b) => b.count - a.count || (a.slug < b.slug ? -1 : 1),
    )
    assert.ok(expectedGenres.length > 0)
    assert.deepEqual(body.genres, expectedGenres)

    assert.deepEqual(body.shelves, {
      wantToRead: 1,
      reading: 2,
      read: 7,
      didNotFinish: 1,
      owned: 1,
    })
    assert.deepEqual(body.reviews, { written: 3, withText: 1, averageRating: 3.67 })

    assert.deepEqual(
      body.currentlyReading.map(
        (r: { book: { id: number }; progress: number; startedOn: string }) => [
          r.book.id,
          r.progress,
          r.startedOn,
        ],
      ),
      [
        [I, 75, isoDate(now)],
        [H, 20, '2024-01-02'],
      ],
    )
    assert.ok(body.currentlyReading[0].book.title.length > 0)

    // the latest change of each entry and review, newest first, ten of them
    assert.deepEqual(
      body.recentActivity.map((e: { type: string; book: { id: number }; reviewId?: number }) =>
        e.type === 'review' ? ['review', e.book.id, e.reviewId] : ['library', e.book.id],
      ),
      [
        ['library', I],
        ['review', H, reviewH],
        ['review', C, reviewC],
        ['review', A, reviewA],
        ['library', K],
        ['library', J],
        ['library', H],
        ['library', G],
        ['library', F],
        ['library', E],
      ],
    )
    const [latest, latestReview] = body.recentActivity
    assert.deepEqual([latest.shelf, latest.progress], ['reading', 75])
    assert.equal(latestReview.rating, 2)
    const times = body.recentActivity.map((e: { at: string }) => Date.parse(e.at))
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    )
  })

  test('needs a logged-in user: 401', async () => {
    assertProblem(await app.inject('/api/dashboard'), 401, 'AUTH_REQUIRED')
  })
})

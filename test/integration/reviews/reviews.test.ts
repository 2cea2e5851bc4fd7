import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { bookPicker } from './reviews-support.ts'

/** Writing, changing and deleting reviews; who may; what is stored; helpful votes. */

const { app, db } = await buildTestApp({ after }, { seed: true })
const pickBooks = bookPicker(db)

const post = (user: TestUser, url: string, payload?: object) =>
  app.inject({ method: 'POST', url, payload, headers: user.headers })
const patch = (user: TestUser, url: string, payload: object) =>
  app.inject({ method: 'PATCH', url, payload, headers: user.headers })
const del = (user: TestUser, url: string) =>
  app.inject({ method: 'DELETE', url, headers: user.headers })

async function review(user: TestUser, bookId: number, payload: object = { rating: 4 }) {
  const response = await post(user, `/api/books/${bookId}/reviews`, payload)
  assert.equal(response.statusCode, 201, response.body)
  return response.json()
}

const reviewRow = (id: number) =>
  db.selectFrom('reviews').selectAll().where('id', '=', id).executeTakeFirst()

describe('POST /api/books/:id/reviews', () => {
  test('creates a review by the caller and answers 201 with its location', async () => {
    const user = await registerUser(app, { displayName: 'Ada' })
    const [bookId] = await pickBooks(1)
    const response = await post(user, `/api/books/${bookId}/reviews`, {
      rating: 5,
      title: 'Loved it',
      body: 'Every page.',
    })
    assert.equal(response.statusCode, 201, response.body)
    const body = response.json()
    assert.equal(response.headers.location, `/api/reviews/${body.id}`)
    assert.deepEqual(
      { ...body, createdAt: undefined, updatedAt: undefined },
      {
        id: body.id,
        bookId,
        author: { id: user.id, displayName: 'Ada' },
        rating: 5,
        title: 'Loved it',
        body: 'Every page.',
        verifiedReader: false,
        helpfulCount: 0,
        source: 'victoria',
        createdAt: undefined,
        updatedAt: undefined,
      },
    )
    const row = await reviewRow(body.id)
    assert.equal(row?.user_id, user.id)
    assert.equal(row?.source, 'victoria')
    assert.deepEqual((await app.inject(`/api/reviews/${body.id}`)).json(), body)
  })

  test('a rating alone is a review; title and text are optional', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const body = await review(user, bookId!, { rating: 1 })
    assert.equal(body.title, null)
    assert.equal(body.body, null)
  })

  test('returns 409 REVIEW_EXISTS when the user already reviewed the book', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const first = await review(user, bookId!)
    const problem = assertProblem(
      await post(user, `/api/books/${bookId}/reviews`, { rating: 2 }),
      409,
      'REVIEW_EXISTS',
    )
    assert.match(problem.detail, new RegExp(`/api/reviews/${first.id}`))
    const rows = await db
      .selectFrom('reviews')
      .select('rating')
      .where('book_id', '=', bookId!)
      .execute()
    assert.deepEqual(rows, [{ rating: 4 }])
  })

  test('of ten concurrent first reviews by one user exactly one is created, nine get 409', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(user, `/api/books/${bookId}/reviews`, { rating: (i % 5) + 1 }),
      ),
    )
    const statuses = responses.map((r) => r.statusCode).sort()
    assert.deepEqual(statuses, [201, ...Array(9).fill(409)])
    for (const r of responses.filter((r) => r.statusCode === 409)) {
      assertProblem(r, 409, 'REVIEW_EXISTS')
    }
    const count = await db
      .selectFrom('reviews')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('book_id', '=', bookId!)
      .executeTakeFirstOrThrow()
    assert.equal(Number(count.n), 1)
  })

  test('a missing book is a 404 BOOK_NOT_FOUND, for writing and for reading', async () => {
    const user = await registerUser(app)
    assertProblem(
      await post(user, '/api/books/99999999/reviews', { rating: 3 }),
      404,
      'BOOK_NOT_FOUND',
    )
    assertProblem(await app.inject('/api/books/99999999/reviews'), 404, 'BOOK_NOT_FOUND')
  })

  test('needs a logged-in user: 401 AUTH_REQUIRED', async () => {
    const [bookId] = await pickBooks(1)
    assertProblem(
      await app.inject({
        method: 'POST',
        url: `/api/books/${bookId}/reviews`,
        payload: { rating: 3 },
      }),
      401,
      'AUTH_REQUIRED',
    )
  })

  for (const rating of [0, 6, 3.5, 'four', null]) {
    test(`rating ${JSON.stringify(rating)} is a 400 naming the rating`, async () => {
      const user = await registerUser(app)
      const [bookId] = await pickBooks(1)
      const problem = assertProblem(
        await post(user, `/api/books/${bookId}/reviews`, { rating }),
        400,
        'VALIDATION_FAILED',
      )
      assert.ok(problem.errors?.some((e) => e.field === 'rating'))
    })
  }
})

describe('what a client cannot set', () => {
  for (const field of ['userId', 'verifiedReader', 'helpfulCount', 'source', 'role', 'id']) {
    test(`"${field}" in a new review is refused (400) and nothing is stored`, async () => {
      const user = await registerUser(app)
      const other = await registerUser(app)
      const [bookId] = await pickBooks(1)
      const value = field === 'source' ? 'goodbooks' : field === 'role' ? 'admin' : other.id
      const problem = assertProblem(
        await post(user, `/api/books/${bookId}/reviews`, { rating: 5, [field]: value }),
        400,
        'VALIDATION_FAILED',
      )
      assert.deepEqual(
        problem.errors?.map((e) => e.field),
        [field],
      )
      const rows = await db
        .selectFrom('reviews')
        .select('id')
        .where('book_id', '=', bookId!)
        .execute()
      assert.deepEqual(rows, [])
    })
  }

  test('the same fields in a change are refused and the stored review stays as it was', async () => {
    const user = await registerUser(app)
    const other = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const created = await review(user, bookId!, { rating: 3, title: 'Fine' })
    const before = await reviewRow(created.id)
    for (const [field, value] of Object.entries({
      userId: other.id,
      verifiedReader: true,
      helpfulCount: 1000,
      source: 'goodbooks',
      bookId: bookId! + 1,
    })) {
      assertProblem(
        await patch(user, `/api/reviews/${created.id}`, { rating: 5, [field]: value }),
        400,
        'VALIDATION_FAILED',
      )
    }
    assert.deepEqual(await reviewRow(created.id), before)
  })
})

describe("another user's review", () => {
  test('cannot be changed or deleted: 404 REVIEW_NOT_FOUND, and it stays as it was', async () => {
    const author = await registerUser(app)
    const intruder = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const created = await review(author, bookId!, { rating: 5, title: 'Mine' })
    const before = await reviewRow(created.id)
    assertProblem(
      await patch(intruder, `/api/reviews/${created.id}`, { rating: 1 }),
      404,
      'REVIEW_NOT_FOUND',
    )
    assertProblem(await del(intruder, `/api/reviews/${created.id}`), 404, 'REVIEW_NOT_FOUND')
    assert.deepEqual(await reviewRow(created.id), before)
  })

  test('answers exactly as a review that does not exist', async () => {
    const user = await registerUser(app)
    const missing = assertProblem(
      await patch(user, '/api/reviews/99999999', { rating: 1 }),
      404,
      'REVIEW_NOT_FOUND',
    )
    assert.equal(missing.detail, 'No review has id 99999999')
  })
})

describe('PATCH and DELETE /api/reviews/:id', () => {
  test('the author changes rating, title and text; null removes title or text', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const created = await review(user, bookId!, { rating: 2, title: 'Meh', body: 'Slow start.' })
    const changed = await patch(user, `/api/reviews/${created.id}`, { rating: 4, title: null })
    assert.equal(changed.statusCode, 200, changed.body)
    const body = changed.json()
    assert.equal(body.rating, 4)
    assert.equal(body.title, null)
    assert.equal(body.body, 'Slow start.')
    assert.ok(Date.parse(body.updatedAt) >= Date.parse(created.updatedAt))
    assertProblem(await patch(user, `/api/reviews/${created.id}`, {}), 400, 'VALIDATION_FAILED')
  })

  test('the author deletes it: 204, then it is gone', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const created = await review(user, bookId!)
    assert.equal((await del(user, `/api/reviews/${created.id}`)).statusCode, 204)
    assert.equal(await reviewRow(created.id), undefined)
    assertProblem(await app.inject(`/api/reviews/${created.id}`), 404, 'REVIEW_NOT_FOUND')
    assertProblem(await del(user, `/api/reviews/${created.id}`), 404, 'REVIEW_NOT_FOUND')
  })
})

describe('helpful votes', () => {
  test('count once per user; voting again is an idempotent 200 that changes nothing', async () => {
    const author = await registerUser(app)
    const [reader1, reader2] = [await registerUser(app), await registerUser(app)]
    const [bookId] = await pickBooks(1)
    const created = await review(author, bookId!)
    const url = `/api/reviews/${created.id}/helpful`
    const first = await post(reader1, url)
    assert.equal(first.statusCode, 200, first.body)
    assert.deepEqual(first.json(), {
      reviewId: created.id,
      helpfulCount: 1,
      voted: true,
      changed: true,
    })
    const again = await post(reader1, url)
    assert.equal(again.statusCode, 200)
    assert.deepEqual(again.json(), {
      reviewId: created.id,
      helpfulCount: 1,
      voted: true,
      changed: false,
    })
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => post(reader2, url)))
    assert.deepEqual(concurrent.map((r) => r.json().changed).filter(Boolean), [true])
    assert.equal((await reviewRow(created.id))?.helpful_count, 2)
    const votes = await db
      .selectFrom('review_helpful_votes')
      .select('user_id')
      .where('review_id', '=', created.id)
      .orderBy('user_id')
      .execute()
    assert.deepEqual(
      votes.map((v) => v.user_id),
      [reader1.id, reader2.id],
    )
  })

  test('a vote can be taken back, once', async () => {
    const author = await registerUser(app)
    const reader = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const created = await review(author, bookId!)
    await post(reader, `/api/reviews/${created.id}/helpful`)
    const back = await del(reader, `/api/reviews/${created.id}/helpful`)
    assert.deepEqual(back.json(), {
      reviewId: created.id,
      helpfulCount: 0,
      voted: false,
      changed: true,
    })
    const again = await del(reader, `/api/reviews/${created.id}/helpful`)
    assert.deepEqual(again.json(), {
      reviewId: created.id,
      helpfulCount: 0,
      voted: false,
      changed: false,
    })
  })

  test('the author cannot vote for their own review (403), nor anyone for a missing one (404)', async () => {
    const author = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const created = await review(author, bookId!)
    assertProblem(await post(author, `/api/reviews/${created.id}/helpful`), 403, 'OWN_REVIEW_VOTE')
    assertProblem(await post(author, '/api/reviews/99999999/helpful'), 404, 'REVIEW_NOT_FOUND')
    assert.equal((await reviewRow(created.id))?.helpful_count, 0)
  })
})

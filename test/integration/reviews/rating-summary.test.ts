import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp } from '../../helpers/app.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { assertSummary, bookPicker, plus, storedHistogram } from './reviews-support.ts'

/**
 * A book's rating summary is the Goodreads baseline plus Victoria's own reviews, kept by
 * triggers in the database: after every write, under concurrency, and after account deletion.
 */

const { app, db } = await buildTestApp({ after }, { seed: true })
const pickBooks = bookPicker(db)

const inject = (
  user: TestUser,
  method: 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) => app.inject({ method, url, payload, headers: user.headers })

async function review(user: TestUser, bookId: number, rating: number): Promise<number> {
  const response = await inject(user, 'POST', `/api/books/${bookId}/reviews`, { rating })
  assert.equal(response.statusCode, 201, response.body)
  return response.json().id
}

describe('rating summary', () => {
  test('follows a review through create, edit and delete', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const baseline = await storedHistogram(db, bookId!)
    await assertSummary(app, db, bookId!, baseline)

    const id = await review(user, bookId!, 2)
    await assertSummary(app, db, bookId!, plus(baseline, [2]))

    const edited = await inject(user, 'PATCH', `/api/reviews/${id}`, { rating: 5 })
    assert.equal(edited.statusCode, 200, edited.body)
    await assertSummary(app, db, bookId!, plus(baseline, [5]))

    // a change of text alone leaves the summary as it is
    await inject(user, 'PATCH', `/api/reviews/${id}`, { body: 'On second thought.' })
    await assertSummary(app, db, bookId!, plus(baseline, [5]))

    assert.equal((await inject(user, 'DELETE', `/api/reviews/${id}`)).statusCode, 204)
    await assertSummary(app, db, bookId!, baseline)
  })

  test('a book without ratings has no average and the prior as its Bayesian score', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    await sql`UPDATE books SET ratings_1 = 0, ratings_2 = 0, ratings_3 = 0, ratings_4 = 0,
              ratings_5 = 0 WHERE id = ${bookId}`.execute(db)
    await assertSummary(app, db, bookId!, [0, 0, 0, 0, 0])
    await review(user, bookId!, 5)
    // one five-star review moves the score from 4.03 to (201.5 + 5) / 51, not to 5
    await assertSummary(app, db, bookId!, [0, 0, 0, 0, 1])
    const book = (await app.inject(`/api/books/${bookId}`)).json()
    assert.equal(book.rating.average, 5)
    assert.equal(book.rating.bayesian, 4.049)
  })

  test('stays consistent under concurrent creates, edits and deletes by several users', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => registerUser(app)))
    const books = await pickBooks(3)
    const baselines = await Promise.all(books.map((b) => storedHistogram(db, b)))

    // every user reviews every book at once
    const created = await Promise.all(
      users.flatMap((user, u) =>
        books.map(async (bookId, b) => {
          const rating = ((u + b) % 5) + 1
          return { user, bookId, rating, id: await review(user, bookId, rating) }
        }),
      ),
    )
    // then, at once: half of them change their rating, a quarter delete their review
    const final = await Promise.all(
      created.map(async (r, i) => {
        if (i % 4 === 0) {
          const response = await inject(r.user, 'DELETE', `/api/reviews/${r.id}`)
          assert.equal(response.statusCode, 204)
          return { ...r, rating: null }
        }
        if (i % 2 === 1) {
          const rating = (r.rating % 5) + 1
          const response = await inject(r.user, 'PATCH', `/api/reviews/${r.id}`, { rating })
          assert.equal(response.statusCode, 200, response.body)
          return { ...r, rating }
        }
        return r
      }),
    )

    for (const [b, bookId] of books.entries()) {
      const local = final.filter((r) => r.bookId === bookId && r.rating !== null)
      const expected = plus(
        baselines[b]!,
        local.map((r) => r.rating!),
      )
      assert.deepEqual(await storedHistogram(db, bookId), expected)
      await assertSummary(app, db, bookId, expected)
    }
  })

  test('deleting an account removes its reviews, votes and library and restores the summaries', async () => {
    const leaving = await registerUser(app)
    const staying = await registerUser(app)
    const books = await pickBooks(2)
    const baselines = await Promise.all(books.map((b) => storedHistogram(db, b)))
    for (const bookId of books) await review(leaving, bookId, 1)
    const stayingReview = await review(staying, books[0]!, 4)
    await inject(leaving, 'POST', `/api/reviews/${stayingReview}/helpful`)
    const shelved = await app.inject({
      method: 'PUT',
      url: `/api/me/library/${books[1]}`,
      payload: { shelf: 'read' },
      headers: leaving.headers,
    })
    assert.equal(shelved.statusCode, 201, shelved.body)
    await assertSummary(app, db, books[0]!, plus(baselines[0]!, [1, 4]))

    const deleted = await app.inject({
      method: 'DELETE',
      url: '/api/me',
      payload: { password: leaving.password },
      headers: leaving.headers,
    })
    assert.equal(deleted.statusCode, 204, deleted.body)

    const left = async (table: 'reviews' | 'library_entries' | 'review_helpful_votes') =>
      (
        await db
          .selectFrom(table)
          .select(sql<number>`count(*)::int`.as('n'))
          .where('user_id', '=', leaving.id)
          .executeTakeFirstOrThrow()
      ).n
    assert.equal(await left('reviews'), 0)
    assert.equal(await left('library_entries'), 0)
    assert.equal(await left('review_helpful_votes'), 0)
    await assertSummary(app, db, books[0]!, plus(baselines[0]!, [4]))
    await assertSummary(app, db, books[1]!, baselines[1]!)
    const vote = await app.inject(`/api/reviews/${stayingReview}`)
    assert.equal(vote.json().helpfulCount, 0)
  })

  test('deleting a book takes its reviews with it', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const id = await review(user, bookId!, 3)
    await db.deleteFrom('books').where('id', '=', bookId!).execute()
    const row = await db.selectFrom('reviews').select('id').where('id', '=', id).executeTakeFirst()
    assert.equal(row, undefined)
  })
})

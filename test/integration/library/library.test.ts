import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'

/** Shelving books, progress and dates, taking them out, and whose entries are whose. */

const { app, db } = await buildTestApp({ after }, { seed: true })

let nextBook = 0
async function pickBook(): Promise<number> {
  const row = await db
    .selectFrom('books')
    .select('id')
    .orderBy('id')
    .offset(nextBook++)
    .executeTakeFirstOrThrow()
  return row.id
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const today = () => isoDate(Date.now())
const DAY = 86_400_000

const put = (user: TestUser, bookId: number, payload: object) =>
  app.inject({ method: 'PUT', url: `/api/me/library/${bookId}`, payload, headers: user.headers })
const entryRow = (userId: number, bookId: number) =>
  db
    .selectFrom('library_entries')
    .select([
      'shelf',
      'progress',
      sql<string | null>`to_char(started_on, 'YYYY-MM-DD')`.as('started_on'),
      sql<string | null>`to_char(finished_on, 'YYYY-MM-DD')`.as('finished_on'),
      'owned',
      'updated_at',
    ])
    .where('user_id', '=', userId)
    .where('book_id', '=', bookId)
    .executeTakeFirst()

describe('PUT /api/me/library/:bookId', () => {
  test('shelves a book (201), then changes the entry (200); fields left out are kept', async () => {
    const user = await registerUser(app)
    const bookId = await pickBook()
    const created = await put(user, bookId, {
      shelf: 'reading',
      progress: 30,
      startedOn: '2024-03-01',
    })
    assert.equal(created.statusCode, 201, created.body)
    const entry = created.json()
    assert.equal(entry.book.id, bookId)
    assert.ok(entry.book.title.length > 0)
    assert.ok(entry.book.authors.length > 0)
    assert.deepEqual(
      [entry.shelf, entry.progress, entry.startedOn, entry.finishedOn, entry.owned],
      ['reading', 30, '2024-03-01', null, false],
    )
    const changed = await put(user, bookId, { shelf: 'reading', progress: 60 })
    assert.equal(changed.statusCode, 200, changed.body)
    assert.equal(changed.json().startedOn, '2024-03-01')
    assert.equal(changed.json().progress, 60)
    assert.deepEqual(
      (await app.inject({ url: `/api/me/library/${bookId}`, headers: user.headers })).json(),
      changed.json(),
    )
    const row = await entryRow(user.id, bookId)
    assert.deepEqual([row?.shelf, row?.progress, row?.started_on], ['reading', 60, '2024-03-01'])
  })

  test('"reading" starts today and "read" finishes today at 100 % unless told otherwise', async () => {
    const user = await registerUser(app)
    const bookId = await pickBook()
    const reading = (await put(user, bookId, { shelf: 'reading' })).json()
    assert.equal(reading.startedOn, today())
    assert.equal(reading.progress, 0)
    const read = (await put(user, bookId, { shelf: 'read' })).json()
    assert.deepEqual([read.startedOn, read.finishedOn, read.progress], [today(), today(), 100])
    // a stored date is kept, an explicit null clears it
    const again = (await put(user, bookId, { shelf: 'read', startedOn: null })).json()
    assert.deepEqual([again.startedOn, again.finishedOn], [null, today()])
    const wishlist = (await put(user, await pickBook(), { shelf: 'want_to_read' })).json()
    assert.deepEqual([wishlist.startedOn, wishlist.finishedOn, wishlist.progress], [null, null, 0])
  })

  const invalidDates: [string, object][] = [
    ['finishedOn before startedOn', { startedOn: '2024-05-02', finishedOn: '2024-05-01' }],
    ['a start date in the future', { startedOn: isoDate(Date.now() + 2 * DAY) }],
    ['a finish date in the future', { finishedOn: isoDate(Date.now() + 2 * DAY) }],
    ['a date before 1900', { startedOn: '1899-12-31' }],
  ]
  for (const [name, dates] of invalidDates) {
    test(`${name} is a 400 INVALID_DATES and nothing is stored`, async () => {
      const user = await registerUser(app)
      const bookId = await pickBook()
      assertProblem(await put(user, bookId, { shelf: 'read', ...dates }), 400, 'INVALID_DATES')
      assert.equal(await entryRow(user.id, bookId), undefined)
    })
  }

  test('a finish date before a start date stored earlier is a 400 INVALID_DATES', async () => {
    const user = await registerUser(app)
    const bookId = await pickBook()
    await put(user, bookId, { shelf: 'reading', startedOn: '2024-06-10' })
    const before = await entryRow(user.id, bookId)
    assertProblem(
      await put(user, bookId, { shelf: 'read', finishedOn: '2024-06-01' }),
      400,
      'INVALID_DATES',
    )
    assert.deepEqual(await entryRow(user.id, bookId), before)
  })

  for (const [name, body] of [
    ['progress above 100', { shelf: 'reading', progress: 101 }],
    ['negative progress', { shelf: 'reading', progress: -1 }],
    ['an unknown shelf', { shelf: 'favourites' }],
    ['no shelf', { progress: 10 }],
    ['an impossible date', { shelf: 'read', finishedOn: '2023-02-29' }],
    ['a date with a time', { shelf: 'read', finishedOn: '2023-02-01T10:00:00Z' }],
  ] as const) {
    test(`${name} is a 400 VALIDATION_FAILED`, async () => {
      const user = await registerUser(app)
      assertProblem(await put(user, await pickBook(), body), 400, 'VALIDATION_FAILED')
    })
  }

  test('a book that does not exist is a 404 BOOK_NOT_FOUND', async () => {
    const user = await registerUser(app)
    assertProblem(await put(user, 99999999, { shelf: 'read' }), 404, 'BOOK_NOT_FOUND')
  })

  test('owned, userId and the like cannot be set by a client: 400, and the row is unchanged', async () => {
    const user = await registerUser(app)
    const other = await registerUser(app)
    const bookId = await pickBook()
    await put(user, bookId, { shelf: 'reading', progress: 10 })
    const before = await entryRow(user.id, bookId)
    for (const [field, value] of Object.entries({
      owned: true,
      userId: other.id,
      bookId: bookId + 1,
      createdAt: '2020-01-01T00:00:00Z',
    })) {
      const problem = assertProblem(
        await put(user, bookId, { shelf: 'read', [field]: value }),
        400,
        'VALIDATION_FAILED',
      )
      assert.deepEqual(
        problem.errors?.map((e) => e.field),
        [field],
      )
    }
    assert.deepEqual(await entryRow(user.id, bookId), before)
    assert.equal(await entryRow(other.id, bookId), undefined)
  })

  test('needs a logged-in user: 401', async () => {
    const bookId = await pickBook()
    assertProblem(
      await app.inject({
        method: 'PUT',
        url: `/api/me/library/${bookId}`,
        payload: { shelf: 'read' },
      }),
      401,
      'AUTH_REQUIRED',
    )
    assertProblem(await app.inject('/api/me/library'), 401, 'AUTH_REQUIRED')
  })
})

describe('DELETE /api/me/library/:bookId', () => {
  test('takes the book out (204); then it is a 404 LIBRARY_ENTRY_NOT_FOUND', async () => {
    const user = await registerUser(app)
    const bookId = await pickBook()
    await put(user, bookId, { shelf: 'want_to_read' })
    const url = `/api/me/library/${bookId}`
    assert.equal(
      (await app.inject({ method: 'DELETE', url, headers: user.headers })).statusCode,
      204,
    )
    assert.equal(await entryRow(user.id, bookId), undefined)
    assertProblem(
      await app.inject({ method: 'DELETE', url, headers: user.headers }),
      404,
      'LIBRARY_ENTRY_NOT_FOUND',
    )
    assertProblem(await app.inject({ url, headers: user.headers }), 404, 'LIBRARY_ENTRY_NOT_FOUND')
  })

  test("another user's entry is out of reach: 404, and it stays", async () => {
    const owner = await registerUser(app)
    const intruder = await registerUser(app)
    const bookId = await pickBook()
    await put(owner, bookId, { shelf: 'reading', progress: 40 })
    const before = await entryRow(owner.id, bookId)
    const url = `/api/me/library/${bookId}`
    assertProblem(
      await app.inject({ method: 'DELETE', url, headers: intruder.headers }),
      404,
      'LIBRARY_ENTRY_NOT_FOUND',
    )
    assertProblem(
      await app.inject({ url, headers: intruder.headers }),
      404,
      'LIBRARY_ENTRY_NOT_FOUND',
    )
    const listed = (await app.inject({ url: '/api/me/library', headers: intruder.headers })).json()
    assert.equal(listed.total, 0)
    assert.deepEqual(await entryRow(owner.id, bookId), before)
  })

  test('a bought book stays in the library with its reading state cleared', async () => {
    const user = await registerUser(app)
    const bookId = await pickBook()
    await put(user, bookId, { shelf: 'reading', progress: 40, startedOn: '2024-01-05' })
    // what the orders module will do on a purchase
    await db
      .updateTable('library_entries')
      .set({ owned: true })
      .where('user_id', '=', user.id)
      .where('book_id', '=', bookId)
      .execute()
    const url = `/api/me/library/${bookId}`
    assert.equal(
      (await app.inject({ method: 'DELETE', url, headers: user.headers })).statusCode,
      204,
    )
    const entry = (await app.inject({ url, headers: user.headers })).json()
    assert.deepEqual(
      [entry.shelf, entry.progress, entry.startedOn, entry.owned],
      [null, 0, null, true],
    )
    const owned = (
      await app.inject({ url: '/api/me/library?owned=true', headers: user.headers })
    ).json()
    assert.deepEqual(
      owned.items.map((e: { book: { id: number } }) => e.book.id),
      [bookId],
    )
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerAdmin } from '../security/principals.ts'

/** POST, PATCH and DELETE /api/admin/books: validation, conflicts, links, one transaction each. */

const { app, db } = await buildTestApp({ after })
let auth: { authorization: string }
const ids = { authors: [] as number[], series: [] as number[], genres: [] as number[] }

const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) })

let isbnCounter = 0
/** A fresh valid ISBN-13 (979-10 range, check digit computed), so tests never collide. */
function freshIsbn13(): string {
  const body = `97910${String(++isbnCounter).padStart(7, '0')}`
  let sum = 0
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3)
  return body + String((10 - (sum % 10)) % 10)
}

const minimalBook = (overrides: Record<string, unknown> = {}) => ({
  title: 'A Book',
  price: { amountCents: 1299, currency: 'EUR' },
  authorIds: [ids.authors[0]],
  ...overrides,
})

async function createBook(overrides: Record<string, unknown> = {}) {
  const response = await send('POST', '/api/admin/books', minimalBook(overrides))
  assert.equal(response.statusCode, 201, response.body)
  return response.json()
}

const bookCount = async () =>
  (
    await db
      .selectFrom('books')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n

before(async () => {
  auth = (await registerAdmin(app, db)).headers
  for (const name of ['Ursula K. Le Guin', 'Terry Pratchett', 'Neil Gaiman']) {
    const r = await send('POST', '/api/admin/authors', { name })
    assert.equal(r.statusCode, 201, r.body)
    ids.authors.push(r.json().id)
  }
  for (const name of ['Earthsea', 'Discworld']) {
    ids.series.push((await send('POST', '/api/admin/series', { name })).json().id)
  }
  for (const name of ['Fantasy', 'Humor', 'Classics']) {
    ids.genres.push((await send('POST', '/api/admin/genres', { name })).json().id)
  }
})

describe('POST /api/admin/books', () => {
  test('creates a book with its links and answers the catalog’s BookDetail', async () => {
    const response = await send('POST', '/api/admin/books', {
      title: '  Good Omens ',
      subtitle: 'The Nice and Accurate Prophecies of Agnes Nutter, Witch',
      description: '<p>The world ends <b>on Saturday</b>.</p><script>alert(1)</script>',
      isbn: '0-575-04800-X',
      language: 'eng',
      originalPublicationYear: 1990,
      coverUrl: 'https://covers.example.com/good-omens.jpg',
      price: { amountCents: 999, currency: 'GBP' },
      authorIds: [ids.authors[1], ids.authors[2]],
      series: [{ id: ids.series[1], position: 2.5, positionLabel: '2.5' }],
      genreIds: [ids.genres[1], ids.genres[0]],
    })
    assert.equal(response.statusCode, 201, response.body)
    const book = response.json()
    assert.equal(response.headers.location, `/api/books/${book.id}`)
    assert.equal(book.title, 'Good Omens')
    assert.equal(book.isbn10, '057504800X')
    assert.equal(book.isbn13, '9780575048003')
    assert.equal(book.description, '<p>The world ends <b>on Saturday</b>.</p>')
    assert.deepEqual(
      book.authors.map((a: { name: string }) => a.name),
      ['Terry Pratchett', 'Neil Gaiman'],
    )
    assert.deepEqual(book.series, [
      {
        id: ids.series[1],
        name: 'Discworld',
        slug: 'discworld',
        position: 2.5,
        positionLabel: '2.5',
      },
    ])
    assert.deepEqual(
      book.genres.map((g: { slug: string }) => g.slug),
      ['humor', 'fantasy'],
    )
    assert.deepEqual(book.price, { amountCents: 999, currency: 'GBP' })
    assert.equal(book.rating.average, null)
    assert.equal(book.rating.count, 0)
    // the public read answers exactly what the write answered
    assert.deepEqual((await app.inject(`/api/books/${book.id}`)).json(), book)
    assert.deepEqual((await app.inject('/api/books/isbn/0-575-04800-X')).json().id, book.id)
  })

  test('optional fields default to null and empty lists', async () => {
    const book = await createBook({ isbn: freshIsbn13() })
    assert.equal(book.subtitle, null)
    assert.equal(book.description, null)
    assert.equal(book.coverUrl, null)
    assert.deepEqual(book.series, [])
    assert.deepEqual(book.genres, [])
    assert.equal(book.isbn10, null, 'a 979 ISBN-13 has no ISBN-10')
  })

  test('a wrong check digit is a 400 INVALID_ISBN and nothing is written', async () => {
    const n = await bookCount()
    assertProblem(
      await send('POST', '/api/admin/books', minimalBook({ isbn: '9780575048004' })),
      400,
      'INVALID_ISBN',
    )
    assert.equal(await bookCount(), n)
  })

  test('an ISBN another book has, in either form, is a 409 ISBN_TAKEN', async () => {
    const isbn = freshIsbn13()
    await createBook({ isbn })
    const hyphenated = `${isbn.slice(0, 3)}-${isbn.slice(3)}`
    const body = assertProblem(
      await send('POST', '/api/admin/books', minimalBook({ isbn: hyphenated })),
      409,
      'ISBN_TAKEN',
    )
    assert.match(body.detail, new RegExp(isbn))
    await createBook({ isbn: '0-441-47812-3' })
    assertProblem(
      await send('POST', '/api/admin/books', minimalBook({ isbn: '9780441478125' })),
      409,
      'ISBN_TAKEN',
    )
  })

  test('unknown author, series or genre ids are a 422 naming them, and nothing is written', async () => {
    const n = await bookCount()
    const cases = [
      [{ authorIds: [ids.authors[0], 999_001, 999_002] }, 'UNKNOWN_AUTHORS', /999001, 999002/],
      [{ series: [{ id: 999_003, position: 1 }] }, 'UNKNOWN_SERIES', /999003/],
      [{ genreIds: [ids.genres[0], 999_004] }, 'UNKNOWN_GENRES', /999004/],
    ] as const
    for (const [overrides, code, names] of cases) {
      const body = assertProblem(
        await send('POST', '/api/admin/books', minimalBook(overrides)),
        422,
        code,
      )
      assert.match(body.detail, names)
    }
    assert.equal(await bookCount(), n)
    const links = await db.selectFrom('book_authors').select('book_id').execute()
    assert.ok(links.every((l) => l.book_id > 0))
  })

  test('a series listed twice is a 400 DUPLICATE_SERIES', async () => {
    const series = [
      { id: ids.series[0], position: 1 },
      { id: ids.series[0], position: 2 },
    ]
    assertProblem(
      await send('POST', '/api/admin/books', minimalBook({ series })),
      400,
      'DUPLICATE_SERIES',
    )
  })

  for (const [name, overrides] of [
    ['an unknown property', { ratings_5: 1_000_000 }],
    ['a rating count', { ratingsCount: 5 }],
    ['a created date', { createdAt: '2000-01-01T00:00:00Z' }],
    ['no author', { authorIds: [] }],
    ['an author twice', { authorIds: [1, 1] }],
    ['a negative price', { price: { amountCents: -1, currency: 'EUR' } }],
    ['a lowercase currency', { price: { amountCents: 1, currency: 'eur' } }],
    ['a blank title', { title: '   ' }],
    ['a javascript: cover', { coverUrl: 'javascript:alert(1)' }],
    ['a year after 2100', { originalPublicationYear: 2101 }],
    ['a bad language tag', { language: 'English' }],
    ['an extra price field', { price: { amountCents: 1, currency: 'EUR', vat: 2 } }],
  ] as const) {
    test(`${name} is a 400 VALIDATION_FAILED`, async () => {
      assertProblem(
        await send('POST', '/api/admin/books', minimalBook(overrides)),
        400,
        'VALIDATION_FAILED',
      )
    })
  }

  test('a missing title is a 400 naming the field', async () => {
    const { title: _, ...rest } = minimalBook()
    const body = assertProblem(
      await send('POST', '/api/admin/books', rest),
      400,
      'VALIDATION_FAILED',
    )
    assert.deepEqual(
      body.errors?.map((e) => e.field),
      ['title'],
    )
  })
})

describe('PATCH /api/admin/books/:id', () => {
  test('changes only what the body names and moves updated_at', async () => {
    const before = await createBook({
      subtitle: 'First',
      language: 'eng',
      isbn: freshIsbn13(),
      genreIds: [ids.genres[0]],
    })
    const response = await send('PATCH', `/api/admin/books/${before.id}`, { title: 'Renamed' })
    assert.equal(response.statusCode, 200, response.body)
    const after = response.json()
    assert.equal(after.title, 'Renamed')
    assert.deepEqual({ ...after, title: before.title, updatedAt: before.updatedAt }, before)
    assert.ok(after.updatedAt > before.updatedAt, 'updated_at moved forward')
    assert.equal(after.createdAt, before.createdAt)
  })

  test('a list replaces the old one, in the order given; an empty list clears it', async () => {
    const book = await createBook({
      authorIds: [ids.authors[0]],
      series: [{ id: ids.series[0], position: 1 }],
      genreIds: [ids.genres[0], ids.genres[1]],
    })
    const response = await send('PATCH', `/api/admin/books/${book.id}`, {
      authorIds: [ids.authors[2], ids.authors[0]],
      series: [],
      genreIds: [ids.genres[2], ids.genres[0]],
    })
    assert.equal(response.statusCode, 200, response.body)
    const changed = response.json()
    assert.deepEqual(
      changed.authors.map((a: { id: number }) => a.id),
      [ids.authors[2], ids.authors[0]],
    )
    assert.deepEqual(changed.series, [])
    assert.deepEqual(
      changed.genres.map((g: { id: number }) => g.id),
      [ids.genres[2], ids.genres[0]],
    )
    assert.ok(changed.updatedAt > book.updatedAt, 'a change of links moves updated_at too')
  })

  test('the next read shows the change at once, through the response cache', async () => {
    const book = await createBook({ authorIds: [ids.authors[0]] })
    // read twice: the second answer comes from the cache
    for (const url of [`/api/books/${book.id}`, `/api/authors/${ids.authors[1]}`]) {
      await app.inject(url)
      await app.inject(url)
    }
    await send('PATCH', `/api/admin/books/${book.id}`, {
      title: 'Fresh Title',
      authorIds: [ids.authors[1]],
    })
    const read = (await app.inject(`/api/books/${book.id}`)).json()
    assert.equal(read.title, 'Fresh Title')
    const newAuthor = (await app.inject(`/api/authors/${ids.authors[1]}`)).json()
    assert.ok(newAuthor.books.some((b: { id: number }) => b.id === book.id))
  })

  test('null clears nullable fields; a new cover drops the old thumbnail', async () => {
    const book = await createBook({
      isbn: freshIsbn13(),
      subtitle: 'Sub',
      coverUrl: 'https://covers.example.com/a.jpg',
      coverSmallUrl: 'https://covers.example.com/a-small.jpg',
    })
    const cleared = (
      await send('PATCH', `/api/admin/books/${book.id}`, {
        isbn: null,
        subtitle: null,
        coverUrl: 'https://covers.example.com/b.jpg',
      })
    ).json()
    assert.equal(cleared.isbn13, null)
    assert.equal(cleared.isbn10, null)
    assert.equal(cleared.subtitle, null)
    assert.equal(cleared.coverUrl, 'https://covers.example.com/b.jpg')
    assert.equal(cleared.coverSmallUrl, null)
  })

  test('a failing part rolls back the whole change', async () => {
    const book = await createBook({ isbn: freshIsbn13() })
    assertProblem(
      await send('PATCH', `/api/admin/books/${book.id}`, {
        title: 'Should not stick',
        genreIds: [ids.genres[0]],
        authorIds: [999_005],
      }),
      422,
      'UNKNOWN_AUTHORS',
    )
    const taken = await createBook({ isbn: freshIsbn13() })
    assertProblem(
      await send('PATCH', `/api/admin/books/${book.id}`, {
        title: 'Should not stick either',
        isbn: taken.isbn13,
      }),
      409,
      'ISBN_TAKEN',
    )
    assert.deepEqual((await app.inject(`/api/books/${book.id}`)).json(), book)
  })

  test('an unknown book is a 404 BOOK_NOT_FOUND; an empty body is a 400', async () => {
    assertProblem(
      await send('PATCH', '/api/admin/books/99999999', { title: 'x' }),
      404,
      'BOOK_NOT_FOUND',
    )
    const book = await createBook()
    assertProblem(await send('PATCH', `/api/admin/books/${book.id}`, {}), 400, 'VALIDATION_FAILED')
  })
})

describe('DELETE /api/admin/books/:id', () => {
  test('removes the book and its links; a second delete is a 404', async () => {
    const book = await createBook({
      series: [{ id: ids.series[0], position: 3 }],
      genreIds: [ids.genres[0]],
    })
    const response = await send('DELETE', `/api/admin/books/${book.id}`)
    assert.equal(response.statusCode, 204)
    assert.equal(response.body, '')
    assertProblem(await app.inject(`/api/books/${book.id}`), 404, 'BOOK_NOT_FOUND')
    for (const table of ['book_authors', 'book_series', 'book_genres'] as const) {
      const rows = await db
        .selectFrom(table)
        .select('book_id')
        .where('book_id', '=', book.id)
        .execute()
      assert.deepEqual(rows, [], `${table} keeps nothing of the book`)
    }
    assertProblem(await send('DELETE', `/api/admin/books/${book.id}`), 404, 'BOOK_NOT_FOUND')
  })
})

import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'

/** Single books, ISBN lookups, authors, genres and series on the real goodbooks catalog. */

const { app, db } = await buildTestApp({ after }, { seed: true })

interface SeriesEntry {
  position: number | null
  positionLabel: string | null
  book: { title: string }
}

const get = async (url: string) => {
  const response = await app.inject(url)
  assert.equal(response.statusCode, 200, `${url}: ${response.body}`)
  return response.json()
}

const bookIdByGoodreadsId = async (goodreadsId: number) =>
  (
    await db
      .selectFrom('books')
      .select('id')
      .where('goodreads_id', '=', goodreadsId)
      .executeTakeFirstOrThrow()
  ).id

describe('GET /api/books/:id', () => {
  test('The Hunger Games comes with its author, series, genres and rating summary', async () => {
    const id = await bookIdByGoodreadsId(2767052)
    const book = await get(`/api/books/${id}`)
    assert.equal(book.title, 'The Hunger Games')
    assert.deepEqual(
      book.authors.map((a: { name: string }) => a.name),
      ['Suzanne Collins'],
    )
    assert.deepEqual(
      book.series.map((s: { name: string; position: number }) => [s.name, s.position]),
      [['The Hunger Games', 1]],
    )
    assert.equal(book.isbn13, '9780439023481')
    assert.equal(book.isbn10, '0439023483')
    assert.equal(book.originalPublicationYear, 2008)
    const { histogram, count, average } = book.rating
    const sum = [1, 2, 3, 4, 5].reduce((s, k) => s + histogram[k], 0)
    assert.equal(count, sum)
    const mean = [1, 2, 3, 4, 5].reduce((s, k) => s + k * histogram[k], 0) / sum
    assert.ok(Math.abs(average - mean) < 0.001)
    assert.ok(!Number.isNaN(Date.parse(book.createdAt)))
  })

  test('genres come strongest first, from the shelves readers put the book on', async () => {
    const mockingbird = await get(`/api/books/${await bookIdByGoodreadsId(2657)}`)
    assert.equal(mockingbird.title, 'To Kill a Mockingbird')
    assert.ok(mockingbird.genres.some((g: { slug: string }) => g.slug === 'classics'))
  })

  test('a missing book is a 404 BOOK_NOT_FOUND', async () => {
    assertProblem(await app.inject('/api/books/99999999'), 404, 'BOOK_NOT_FOUND')
  })

  for (const id of ['0', '-4', 'abc', '1.5', '2147483648']) {
    test(`id "${id}" is a 400 naming the id`, async () => {
      const body = assertProblem(await app.inject(`/api/books/${id}`), 400, 'VALIDATION_FAILED')
      assert.deepEqual(
        body.errors?.map((e) => [e.in, e.field]),
        [['params', 'id']],
      )
    })
  }
})

describe('GET /api/books/isbn/:isbn', () => {
  test('finds a book by ISBN-13, by ISBN-10, with hyphens or spaces', async () => {
    const id = await bookIdByGoodreadsId(2767052)
    for (const isbn of [
      '9780439023481',
      '978-0-439-02348-1',
      '0439023483',
      '0-439-02348-3',
      '0 439 02348 3',
    ]) {
      assert.equal((await get(`/api/books/isbn/${encodeURIComponent(isbn)}`)).id, id, isbn)
    }
  })

  test('accepts an X check digit in either case', async () => {
    const row = await db
      .selectFrom('books')
      .select(['id', 'isbn10'])
      .where('isbn10', 'like', '%X')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    assert.equal((await get(`/api/books/isbn/${row.isbn10}`)).id, row.id)
    assert.equal((await get(`/api/books/isbn/${row.isbn10!.toLowerCase()}`)).id, row.id)
  })

  test('a wrong check digit is a 400 INVALID_ISBN', async () => {
    const body = assertProblem(
      await app.inject('/api/books/isbn/9780439023482'),
      400,
      'INVALID_ISBN',
    )
    assert.match(body.detail, /check digit/)
  })

  test('something that is not an ISBN is a 400 INVALID_ISBN', async () => {
    assertProblem(await app.inject('/api/books/isbn/hello-world'), 400, 'INVALID_ISBN')
    assertProblem(await app.inject('/api/books/isbn/12345'), 400, 'INVALID_ISBN')
  })

  test('a valid ISBN that is not in the catalog is a 404', async () => {
    assertProblem(await app.inject('/api/books/isbn/9780306406157'), 404, 'BOOK_NOT_FOUND')
  })
})

describe('authors', () => {
  test('J.K. Rowling and Mary GrandPré are one author each however often they are credited', async () => {
    const page = await get('/api/authors?q=j.k.%20row')
    assert.deepEqual(
      page.items.map((a: { name: string }) => a.name),
      ['J.K. Rowling'],
    )
    const rowling = page.items[0]
    const detail = await get(`/api/authors/${rowling.id}`)
    assert.equal(detail.bookCount, rowling.bookCount)
    assert.ok(detail.books.length > 5)
    assert.ok(
      detail.books.every((b: { authors: { id: number }[] }) =>
        b.authors.some((a) => a.id === rowling.id),
      ),
    )
    const counts = detail.books.map((b: { ratingsCount: number }) => b.ratingsCount)
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
      'most popular first',
    )
  })

  test('the author list pages through every author by name', async () => {
    const ids: number[] = []
    let cursor = ''
    for (let i = 0; i < 200; i++) {
      const page = await get(`/api/authors?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
      ids.push(...page.items.map((a: { id: number }) => a.id))
      if (!page.nextCursor) break
      cursor = page.nextCursor
    }
    const total = await db
      .selectFrom('authors')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow()
    assert.equal(ids.length, total.n)
    assert.equal(new Set(ids).size, ids.length)
  })

  test('a name prefix with LIKE wildcards matches them literally', async () => {
    const page = await get('/api/authors?q=%25')
    assert.equal(page.total, 0)
  })

  test('a missing author is a 404 AUTHOR_NOT_FOUND', async () => {
    assertProblem(await app.inject('/api/authors/99999999'), 404, 'AUTHOR_NOT_FOUND')
  })
})

describe('genres and series', () => {
  test('genres list every genre with the number of books in it', async () => {
    const { items } = await get('/api/genres')
    assert.ok(items.length >= 20 && items.length <= 30, `about 25 genres, got ${items.length}`)
    const fantasy = items.find((g: { slug: string }) => g.slug === 'fantasy')
    const expected = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM book_genres WHERE genre_id = ${fantasy.id}`.execute(db)
    assert.equal(fantasy.bookCount, expected.rows[0]!.n)
    assert.ok(fantasy.bookCount > 20)
  })

  test('Harry Potter comes in reading order, 1 to 7', async () => {
    const series = await db
      .selectFrom('series')
      .select('id')
      .where('slug', '=', 'harry-potter')
      .executeTakeFirstOrThrow()
    const detail = await get(`/api/series/${series.id}`)
    assert.equal(detail.name, 'Harry Potter')
    const numbered = detail.books.filter((b: SeriesEntry) => b.position !== null)
    const positions = numbered.map((b: SeriesEntry) => b.position)
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      'reading order',
    )
    // single volumes (no label), not box sets (label "1-7") or parts ("5, Part 1")
    const volumes = numbered.filter(
      (b: SeriesEntry) => b.positionLabel === null && b.position! <= 7,
    )
    assert.deepEqual(
      [...new Set(volumes.map((b: SeriesEntry) => b.position))],
      [1, 2, 3, 4, 5, 6, 7],
    )
    assert.match(volumes[0].book.title, /Sorcerer's Stone/)
    assert.equal(
      detail.books[0].book.title,
      volumes[0].book.title,
      'the single volume before box sets',
    )
  })

  test('The Hunger Games series holds the trilogy in order', async () => {
    const series = await db
      .selectFrom('series')
      .select('id')
      .where('name', '=', 'The Hunger Games')
      .executeTakeFirstOrThrow()
    const detail = await get(`/api/series/${series.id}`)
    const titles = detail.books
      .filter((b: SeriesEntry) => b.positionLabel === null && b.position! <= 3)
      .map((b: SeriesEntry) => b.book.title)
    assert.deepEqual(titles, ['The Hunger Games', 'Catching Fire', 'Mockingjay'])
  })

  test('a missing series is a 404 SERIES_NOT_FOUND', async () => {
    assertProblem(await app.inject('/api/series/99999999'), 404, 'SERIES_NOT_FOUND')
  })

  test('/api/genres takes no parameters', async () => {
    assertProblem(await app.inject('/api/genres?sort=name'), 400, 'VALIDATION_FAILED')
  })
})

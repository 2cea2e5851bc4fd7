import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { createApiKey, registerAdmin } from '../security/principals.ts'

/** Authors, series and genres under /api/admin: slugs, conflicts, and deletes the links allow. */

const { app, db } = await buildTestApp({ after })
let auth: Record<string, string>

const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) })

async function created(url: string, payload: object) {
  const response = await send('POST', url, payload)
  assert.equal(response.statusCode, 201, response.body)
  return response.json()
}

async function bookBy(authorId: number, extra: Record<string, unknown> = {}) {
  return created('/api/admin/books', {
    title: 'A Linked Book',
    price: { amountCents: 500, currency: 'USD' },
    authorIds: [authorId],
    ...extra,
  })
}

before(async () => {
  auth = (await registerAdmin(app, db)).headers
})

describe('authors', () => {
  test('the slug comes from the name, folded to ASCII; whitespace is collapsed', async () => {
    const author = await created('/api/admin/authors', { name: '  Gabriel   García Márquez ' })
    assert.equal(author.name, 'Gabriel García Márquez')
    assert.equal(author.slug, 'gabriel-garcia-marquez')
    assert.equal(author.bookCount, 0)
    assert.deepEqual(author.books, [])
    assert.equal(
      (await app.inject(`/api/authors/${author.id}`)).json().slug,
      'gabriel-garcia-marquez',
    )
  })

  test('a slug already taken is a 409 SLUG_TAKEN, derived or given', async () => {
    await created('/api/admin/authors', { name: 'Anne Carson' })
    assertProblem(
      await send('POST', '/api/admin/authors', { name: 'Anne  Carson' }),
      409,
      'SLUG_TAKEN',
    )
    const other = await created('/api/admin/authors', {
      name: 'Anne Carson',
      slug: 'anne-carson-2',
    })
    assert.equal(other.slug, 'anne-carson-2')
    assertProblem(
      await send('PATCH', `/api/admin/authors/${other.id}`, { slug: 'anne-carson' }),
      409,
      'SLUG_TAKEN',
    )
  })

  test('renaming keeps the slug (published URLs keep working) and moves updated_at', async () => {
    const author = await created('/api/admin/authors', { name: 'Jon Fosse' })
    const before = await db
      .selectFrom('authors')
      .select('updated_at')
      .where('id', '=', author.id)
      .executeTakeFirstOrThrow()
    const response = await send('PATCH', `/api/admin/authors/${author.id}`, {
      name: 'Jon Olav Fosse',
    })
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.json().name, 'Jon Olav Fosse')
    assert.equal(response.json().slug, 'jon-fosse')
    const after = await db
      .selectFrom('authors')
      .select('updated_at')
      .where('id', '=', author.id)
      .executeTakeFirstOrThrow()
    assert.ok(after.updated_at > before.updated_at)
  })

  test('an author credited on a book cannot be deleted: 409 AUTHOR_HAS_BOOKS', async () => {
    const author = await created('/api/admin/authors', { name: 'Olga Tokarczuk' })
    const book = await bookBy(author.id)
    const row = () =>
      db.selectFrom('authors').select('id').where('id', '=', author.id).executeTakeFirst()
    assertProblem(await send('DELETE', `/api/admin/authors/${author.id}`), 409, 'AUTHOR_HAS_BOOKS')
    assert.ok(await row(), 'the author is still there')
    assert.equal((await send('DELETE', `/api/admin/books/${book.id}`)).statusCode, 204)
    assert.equal((await send('DELETE', `/api/admin/authors/${author.id}`)).statusCode, 204)
    assert.equal(await row(), undefined)
    assertProblem(await send('DELETE', `/api/admin/authors/${author.id}`), 404, 'AUTHOR_NOT_FOUND')
  })

  test('a deleted author is no longer served, even one the cache held', async () => {
    const author = await created('/api/admin/authors', { name: 'Cached Then Gone' })
    assert.equal((await app.inject(`/api/authors/${author.id}`)).statusCode, 200)
    assert.equal((await send('DELETE', `/api/admin/authors/${author.id}`)).statusCode, 204)
    assertProblem(await app.inject(`/api/authors/${author.id}`), 404, 'AUTHOR_NOT_FOUND')
  })

  test('unknown ids are a 404 AUTHOR_NOT_FOUND', async () => {
    assertProblem(
      await send('PATCH', '/api/admin/authors/99999999', { name: 'Nobody' }),
      404,
      'AUTHOR_NOT_FOUND',
    )
    assertProblem(await send('DELETE', '/api/admin/authors/99999999'), 404, 'AUTHOR_NOT_FOUND')
  })

  for (const [what, body] of [
    ['a blank name', { name: ' ' }],
    ['a slug with capitals', { name: 'X', slug: 'Bad-Slug' }],
    ['an unknown property', { name: 'X', bookCount: 3 }],
  ] as const) {
    test(`${what} is a 400 VALIDATION_FAILED`, async () => {
      assertProblem(await send('POST', '/api/admin/authors', body), 400, 'VALIDATION_FAILED')
    })
  }
})

describe('series', () => {
  test('created, renamed, and listed with its books in order', async () => {
    const series = await created('/api/admin/series', { name: 'The Broken Earth' })
    assert.equal(series.slug, 'the-broken-earth')
    assert.equal(series.bookCount, 0)
    const author = await created('/api/admin/authors', { name: 'N. K. Jemisin' })
    await bookBy(author.id, { title: 'The Obelisk Gate', series: [{ id: series.id, position: 2 }] })
    await bookBy(author.id, { title: 'The Fifth Season', series: [{ id: series.id, position: 1 }] })
    const renamed = await send('PATCH', `/api/admin/series/${series.id}`, { name: 'Broken Earth' })
    assert.equal(renamed.statusCode, 200, renamed.body)
    assert.deepEqual(
      renamed.json().books.map((b: { book: { title: string } }) => b.book.title),
      ['The Fifth Season', 'The Obelisk Gate'],
    )
  })

  test('a series with books cannot be deleted: 409 SERIES_HAS_BOOKS', async () => {
    const series = await created('/api/admin/series', { name: 'Wayfarers' })
    const author = await created('/api/admin/authors', { name: 'Becky Chambers' })
    const book = await bookBy(author.id, { series: [{ id: series.id, position: 1 }] })
    assertProblem(await send('DELETE', `/api/admin/series/${series.id}`), 409, 'SERIES_HAS_BOOKS')
    await send('PATCH', `/api/admin/books/${book.id}`, { series: [] })
    assert.equal((await send('DELETE', `/api/admin/series/${series.id}`)).statusCode, 204)
    assertProblem(await app.inject(`/api/series/${series.id}`), 404, 'SERIES_NOT_FOUND')
  })
})

describe('genres', () => {
  test('created with a description; the name is unique: 409 GENRE_NAME_TAKEN', async () => {
    const genre = await created('/api/admin/genres', {
      name: 'Solarpunk',
      description: 'Hopeful futures',
    })
    assert.deepEqual(genre, {
      id: genre.id,
      name: 'Solarpunk',
      slug: 'solarpunk',
      description: 'Hopeful futures',
      bookCount: 0,
    })
    assertProblem(
      await send('POST', '/api/admin/genres', { name: 'Solarpunk', slug: 'solarpunk-2' }),
      409,
      'GENRE_NAME_TAKEN',
    )
    assertProblem(
      await send('POST', '/api/admin/genres', { name: 'Solar Punk', slug: 'solarpunk' }),
      409,
      'SLUG_TAKEN',
    )
    const changed = await send('PATCH', `/api/admin/genres/${genre.id}`, { description: null })
    assert.equal(changed.json().description, null)
  })

  test('deleting a genre takes it off its books, which stay', async () => {
    const genre = await created('/api/admin/genres', { name: 'Cli-Fi' })
    const author = await created('/api/admin/authors', { name: 'Kim Stanley Robinson' })
    const book = await bookBy(author.id, { genreIds: [genre.id] })
    assert.equal((await send('DELETE', `/api/admin/genres/${genre.id}`)).statusCode, 204)
    const after = (await app.inject(`/api/books/${book.id}`)).json()
    assert.deepEqual(after.genres, [])
    assertProblem(await send('DELETE', `/api/admin/genres/${genre.id}`), 404, 'GENRE_NOT_FOUND')
  })
})

describe('who may write', () => {
  test('an API key with catalog:write may; catalog:read, a user and nobody may not', async () => {
    const writeKey = await createApiKey(db, ['catalog:write'])
    const response = await app.inject({
      method: 'POST',
      url: '/api/admin/genres',
      headers: writeKey,
      payload: { name: 'Written by a key' },
    })
    assert.equal(response.statusCode, 201, response.body)

    const payload = { name: 'Not written' }
    const readKey = await createApiKey(db, ['catalog:read'])
    const user = await registerUser(app)
    const refused = [
      [readKey, 403, 'FORBIDDEN'],
      [user.headers, 403, 'FORBIDDEN'],
      [{}, 401, 'AUTH_REQUIRED'],
    ] as const
    for (const [headers, status, code] of refused) {
      assertProblem(
        await app.inject({ method: 'POST', url: '/api/admin/genres', headers, payload }),
        status,
        code,
      )
    }
    const names = await db.selectFrom('genres').select('name').execute()
    assert.ok(!names.some((g) => g.name === 'Not written'))
  })
})

import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { buildApp } from '../../../src/app.ts'
import { buildTestApp } from '../../helpers/app.ts'
import { openTestDatabase, testConfig } from '../../helpers/database.ts'
import { registerUser } from '../../helpers/users.ts'

/** The response cache as clients see it: X-Cache, ETag/304, Cache-Control, invalidation. */

const { app, db } = await buildTestApp({ after }, { seed: true })

const bookId = async (goodreadsId: number) =>
  (
    await db
      .selectFrom('books')
      .select('id')
      .where('goodreads_id', '=', goodreadsId)
      .executeTakeFirstOrThrow()
  ).id

/** Notifications arrive after commit; this waits until a read reflects `expected`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 2_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(10)
  }
  assert.fail(`not true within ${timeoutMs} ms`)
}

describe('HTTP caching', () => {
  test('the first read is a MISS, the next a HIT with the same body and ETag', async () => {
    const url = `/api/books/${await bookId(3)}`
    const first = await app.inject(url)
    const second = await app.inject(url)
    assert.equal(first.headers['x-cache'], 'MISS')
    assert.equal(second.headers['x-cache'], 'HIT')
    assert.equal(second.body, first.body)
    assert.equal(second.headers.etag, first.headers.etag)
    assert.match(String(first.headers['content-type']), /^application\/json/)
  })

  test('If-None-Match with the current ETag is a 304 with no body', async () => {
    const url = '/api/books?genre=fantasy&limit=5'
    const { headers } = await app.inject(url)
    const revalidated = await app.inject({
      url,
      headers: { 'if-none-match': String(headers.etag) },
    })
    assert.equal(revalidated.statusCode, 304)
    assert.equal(revalidated.body, '')
    const stale = await app.inject({ url, headers: { 'if-none-match': '"something-else"' } })
    assert.equal(stale.statusCode, 200)
  })

  test('catalog reads are public for shared caches; personal answers are not', async () => {
    const book = await app.inject('/api/genres')
    assert.match(String(book.headers['cache-control']), /^public, max-age=\d+/)
    const user = await registerUser(app)
    const me = await app.inject({ url: '/api/me', headers: user.headers })
    assert.doesNotMatch(String(me.headers['cache-control'] ?? ''), /public/)
  })

  test('errors are not cached: a missing book stays a 404 until it exists', async () => {
    const first = await app.inject('/api/books/987654')
    assert.equal(first.statusCode, 404)
    assert.equal(first.headers['x-cache'], undefined)
  })

  // a validated hit is written past Fastify's onSend hooks (plugins/cache.ts): it must still
  // carry every header they set
  test('a HIT carries every header the MISS did; only X-Cache and per-request values differ', async () => {
    const url = `/api/books/${await bookId(11)}`
    const miss = await app.inject(url)
    const hit = await app.inject(url)
    assert.equal(miss.headers['x-cache'], 'MISS')
    assert.equal(hit.headers['x-cache'], 'HIT')
    const perRequest = new Set([
      'x-cache',
      'x-request-id',
      'ratelimit-remaining',
      'ratelimit-reset',
      'date',
    ])
    const stable = (headers: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !perRequest.has(name)))
    assert.deepEqual(stable(hit.headers), stable(miss.headers))
    for (const name of [
      'x-request-id',
      'ratelimit-remaining',
      'content-security-policy',
      'x-frame-options',
    ]) {
      assert.ok(hit.headers[name], `${name} on the hit`)
    }
    assert.notEqual(hit.headers['x-request-id'], miss.headers['x-request-id'])
    assert.equal(
      Number(hit.headers['ratelimit-remaining']),
      Number(miss.headers['ratelimit-remaining']) - 1,
    )
    assert.equal(hit.body, miss.body)
  })

  test('HEAD on a cached book answers its headers and no body', async () => {
    const url = `/api/books/${await bookId(21)}`
    const get = await app.inject(url)
    const head = await app.inject({ method: 'HEAD', url })
    assert.equal(head.statusCode, 200)
    assert.equal(head.headers['x-cache'], 'HIT')
    assert.equal(head.headers.etag, get.headers.etag)
    assert.equal(head.body, '')
  })

  test('hits written straight to the socket are counted by the monitoring', async () => {
    const url = `/api/books/${await bookId(24)}`
    for (let i = 0; i < 4; i++) await app.inject(url)
    const before = app.observability.tracker.report(Date.now())
    const route = before.find((r) => r.route === 'GET /api/books/:id')
    assert.ok(route, 'the book route is tracked')
    const { cacheLookups, cacheHitRate } = route.windows['1m']
    assert.ok(cacheLookups >= 4)
    assert.ok(cacheHitRate !== null && cacheHitRate > 0)
  })

  test('equivalent queries share an entry whatever the parameter order', async () => {
    await app.inject('/api/books?sort=rating&limit=7&language=eng')
    const reordered = await app.inject('/api/books?language=eng&limit=7&sort=rating')
    assert.equal(reordered.headers['x-cache'], 'HIT')
  })
})

describe('invalidation by database triggers (writes made outside the API)', () => {
  test('a raw SQL update of a book reaches its detail and the lists', async () => {
    const id = await bookId(2657)
    await app.inject(`/api/books/${id}`)
    await app.inject('/api/books?sort=title&limit=3')
    await sql`UPDATE books SET title = '!!! Mockingbird edited by psql' WHERE id = ${id}`.execute(
      db,
    )
    await eventually(
      async () =>
        (await app.inject(`/api/books/${id}`)).json().title === '!!! Mockingbird edited by psql',
    )
    await eventually(async () =>
      (await app.inject('/api/books?sort=title&limit=3'))
        .json()
        .items.some((b: { id: number }) => b.id === id),
    )
  })

  test('renaming an author reaches every cached book that credits them', async () => {
    const id = await bookId(4671) // The Great Gatsby
    const before = (await app.inject(`/api/books/${id}`)).json()
    const author = before.authors[0]
    await sql`UPDATE authors SET name = 'F. Scott Fitzgerald (renamed)' WHERE id = ${author.id}`.execute(
      db,
    )
    await eventually(async () =>
      (await app.inject(`/api/books/${id}`)).json().authors[0].name.endsWith('(renamed)'),
    )
    await eventually(async () =>
      (await app.inject(`/api/authors/${author.id}`)).json().name.endsWith('(renamed)'),
    )
  })

  test('a new genre link changes the genre counts and the genre filter', async () => {
    const genres = (await app.inject('/api/genres')).json().items as {
      id: number
      slug: string
      bookCount: number
    }[]
    const poetry = genres.find((g) => g.slug === 'poetry')!
    const filtered = (await app.inject('/api/books?genre=poetry&limit=100')).json()
    const outsider = await db
      .selectFrom('books')
      .select('id')
      .where('id', 'not in', (eb) =>
        eb.selectFrom('book_genres').select('book_id').where('genre_id', '=', poetry.id),
      )
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await sql`INSERT INTO book_genres (book_id, genre_id, weight) VALUES (${outsider.id}, ${poetry.id}, 1)`.execute(
      db,
    )
    await eventually(async () => {
      const items = (await app.inject('/api/genres')).json().items as typeof genres
      return items.find((g) => g.slug === 'poetry')!.bookCount === poetry.bookCount + 1
    })
    await eventually(
      async () =>
        (await app.inject('/api/books?genre=poetry&limit=100')).json().total === filtered.total + 1,
    )
  })

  test('a bulk change (an import) drops the whole catalog cache', async () => {
    const url = `/api/books/${await bookId(5107)}`
    await app.inject(url)
    assert.equal((await app.inject(url)).headers['x-cache'], 'HIT')
    await sql`UPDATE books SET updated_at = now() WHERE id <= 1000`.execute(db)
    await eventually(async () => (await app.inject(url)).headers['x-cache'] === 'MISS')
  })
})

describe('admin', () => {
  test('GET /api/admin/cache reports hits, misses and L1 size; DELETE invalidates by tag', async () => {
    const admin = await registerUser(app)
    // the role is read from the database on every request, so promoting takes effect at once
    await db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute()
    const url = `/api/books/${await bookId(960)}`
    await app.inject(url)
    await app.inject(url)
    const report = (await app.inject({ url: '/api/admin/cache', headers: admin.headers })).json()
    assert.ok(report.categories.books.hits >= 1)
    assert.ok(report.categories.books.misses >= 1)
    assert.ok(report.categories.books.hitRate > 0 && report.categories.books.hitRate < 1)
    assert.ok(report.l1.entries > 0 && report.l1.bytes > 0)
    const id = await bookId(960)
    const dropped = await app.inject({
      method: 'DELETE',
      url: `/api/admin/cache?tag=book:${id}`,
      headers: admin.headers,
    })
    assert.equal(dropped.statusCode, 200)
    assert.equal((await app.inject(url)).headers['x-cache'], 'MISS')
    const byCategory = await app.inject({
      method: 'DELETE',
      url: '/api/admin/cache?category=books',
      headers: admin.headers,
    })
    assert.equal(byCategory.statusCode, 200)
    assert.equal((await app.inject(url)).headers['x-cache'], 'MISS')
  })

  test('the cache admin routes are for admins only', async () => {
    const user = await registerUser(app)
    assert.equal(
      (await app.inject({ url: '/api/admin/cache', headers: user.headers })).statusCode,
      403,
    )
    assert.equal((await app.inject('/api/admin/cache')).statusCode, 401)
  })
})

describe('memory-only mode (no REDIS_URL)', () => {
  test('caches and invalidates with the in-process layer alone', async (t) => {
    const database = await openTestDatabase()
    const local = await buildApp(
      { ...testConfig, REDIS_URL: undefined, CACHE_PREFIX: `mem-${process.pid}` },
      { database },
    )
    t.after(async () => {
      await local.close()
      await database.close()
    })
    const [book] = await database.db
      .insertInto('books')
      .values({ title: 'Local', price_cents: 100 })
      .returning('id')
      .execute()
    assert.equal((await local.inject(`/api/books/${book!.id}`)).headers['x-cache'], 'MISS')
    assert.equal((await local.inject(`/api/books/${book!.id}`)).headers['x-cache'], 'HIT')
    await database.db
      .updateTable('books')
      .set({ title: 'Local, edited' })
      .where('id', '=', book!.id)
      .execute()
    await eventually(
      async () => (await local.inject(`/api/books/${book!.id}`)).json().title === 'Local, edited',
    )
    const health = (await local.inject('/api/health')).json()
    assert.equal(health.checks.redis.status, 'disabled')
    assert.equal(health.status, 'ok')
  })
})

describe('API writes are read back at once on the same instance', () => {
  test('a new review shows in the book’s rating summary and the reviewer’s dashboard', async () => {
    const reader = await registerUser(app)
    const id = await bookId(48855)
    const before = (await app.inject(`/api/books/${id}`)).json().rating
    assert.equal((await app.inject(`/api/books/${id}`)).headers['x-cache'], 'HIT')
    const dashboardBefore = (
      await app.inject({ url: '/api/dashboard', headers: reader.headers })
    ).json()
    const created = await app.inject({
      method: 'POST',
      url: `/api/books/${id}/reviews`,
      headers: reader.headers,
      payload: { rating: 5 },
    })
    assert.equal(created.statusCode, 201)
    // no waiting: the write dropped the entries before it answered
    const after = (await app.inject(`/api/books/${id}`)).json().rating
    assert.equal(after.count, before.count + 1)
    assert.equal(after.histogram['5'], before.histogram['5'] + 1)
    const dashboardAfter = await app.inject({ url: '/api/dashboard', headers: reader.headers })
    assert.notEqual(dashboardAfter.body, JSON.stringify(dashboardBefore))

    const removed = await app.inject({
      method: 'DELETE',
      url: `/api/reviews/${created.json().id}`,
      headers: reader.headers,
    })
    assert.equal(removed.statusCode, 204)
    assert.deepEqual(
      (await app.inject(`/api/books/${id}`)).json().rating.histogram,
      before.histogram,
    )
  })

  test('shelving a book shows in the library and dashboard at once, for that reader only', async () => {
    const reader = await registerUser(app)
    const other = await registerUser(app)
    const id = await bookId(77203)
    const empty = (await app.inject({ url: '/api/me/library', headers: reader.headers })).json()
    assert.equal(empty.items.length, 0)
    assert.equal(
      (await app.inject({ url: '/api/me/library', headers: reader.headers })).headers['x-cache'],
      'HIT',
    )
    const put = await app.inject({
      method: 'PUT',
      url: `/api/me/library/${id}`,
      headers: reader.headers,
      payload: { shelf: 'reading', progress: 40 },
    })
    assert.ok(put.statusCode === 201 || put.statusCode === 200, put.body)
    const library = await app.inject({ url: '/api/me/library', headers: reader.headers })
    assert.equal(library.json().items.length, 1)
    assert.equal(String(library.headers['cache-control']), 'private, no-cache')
    // the other reader's (cached) library is theirs alone
    assert.equal(
      (await app.inject({ url: '/api/me/library', headers: other.headers })).json().items.length,
      0,
    )
  })
})

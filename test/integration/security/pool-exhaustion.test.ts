import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import pg from 'pg'
import { buildApp } from '../../../src/app.ts'
import { openDatabase } from '../../../src/db/database.ts'
import { insertBookWithAuthor } from '../../helpers/catalog.ts'
import { createTestDatabase, TEST_ENGINE, testConfig } from '../../helpers/database.ts'
import { GENEROUS } from './rate-limit-apps.ts'

/**
 * RELIABILITY.md row 18: a second session holds an ACCESS EXCLUSIVE lock on books while more
 * requests arrive than the pool has connections. Every request must be answered 503 with
 * Retry-After once statement_timeout (or the wait for a connection) runs out; none may hang.
 */

const skip = TEST_ENGINE === 'postgres' ? false : 'PGlite has one connection and no second session'
const STATEMENT_TIMEOUT_MS = 1_000
const CONNECTION_TIMEOUT_MS = 1_000

test('a locked table and an exhausted pool: 503 + Retry-After within the timeouts', {
  skip,
}, async (t) => {
  const cleanup: (() => Promise<unknown>)[] = []
  after(async () => {
    for (const close of cleanup.reverse()) await close()
  })
  const testDatabase = await createTestDatabase({ after: (fn) => cleanup.push(async () => fn()) })
  const bookId = await insertBookWithAuthor(
    testDatabase.db,
    { title: 'Locked' },
    { name: 'L', slug: 'l-lock' },
  )
  const config = {
    ...testConfig,
    ...GENEROUS,
    DATABASE_URL: testDatabase.url!,
    DB_POOL_MAX: 3,
    DB_STATEMENT_TIMEOUT_MS: STATEMENT_TIMEOUT_MS,
    DB_CONNECTION_TIMEOUT_MS: CONNECTION_TIMEOUT_MS,
    CACHE_ENABLED: false,
    CACHE_PREFIX: `pool-${process.pid}`,
    RATE_LIMIT_PREFIX: `pool-${process.pid}`,
  }
  const database = await openDatabase(config, { warn() {} })
  cleanup.push(() => database.close())
  const app = await buildApp(config, { database })
  cleanup.push(() => app.close())
  await app.ready()
  assert.equal((await app.inject(`/api/books/${bookId}`)).statusCode, 200, 'serving before')

  const locker = new pg.Client({ connectionString: testDatabase.url })
  await locker.connect()
  cleanup.push(() => locker.end())
  await locker.query('BEGIN')
  await locker.query('LOCK TABLE books IN ACCESS EXCLUSIVE MODE')

  const requests = 12
  const started = performance.now()
  const results = await Promise.all(
    Array.from({ length: requests }, async () => {
      const sent = performance.now()
      const response = await app.inject(`/api/books/${bookId}`)
      return { response, ms: performance.now() - sent }
    }),
  )
  const slowest = Math.max(...results.map((r) => r.ms))
  await locker.query('ROLLBACK')

  const statuses = results.map((r) => r.response.statusCode)
  assert.deepEqual(new Set(statuses), new Set([503]), `statuses: ${statuses}`)
  for (const { response } of results) {
    assert.ok(response.headers['retry-after'], 'Retry-After on every 503')
    assert.equal(response.json<{ code: string }>().code, 'DATABASE_UNAVAILABLE')
  }
  // queued requests wait for a connection, then for the statement: at most the two timeouts
  // each round through the pool; 12 requests on 3 connections is a few rounds at most
  const bound = 4 * (STATEMENT_TIMEOUT_MS + CONNECTION_TIMEOUT_MS)
  assert.ok(slowest < bound, `slowest ${Math.round(slowest)} ms`)
  assert.equal((await app.inject(`/api/books/${bookId}`)).statusCode, 200, 'serving after')
  t.diagnostic(
    `requests ${requests} on a pool of 3 with books locked: 503 ${statuses.length}, ` +
      `hung 0, slowest ${Math.round(slowest)} ms (statement_timeout ${STATEMENT_TIMEOUT_MS} ms, ` +
      `whole batch ${Math.round(performance.now() - started)} ms)`,
  )
})

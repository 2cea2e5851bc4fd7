import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { after, describe, test } from 'node:test'
import { publishRateLimitRejected, publishSecurityEvent } from '../../../src/lib/app-events.ts'
import { requestIdGenerator } from '../../../src/observability/request-id.ts'
import { insertBookWithAuthor } from '../../helpers/catalog.ts'
import { TEST_ENGINE } from '../../helpers/database.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { createApiKey } from '../security/principals.ts'
import { buildMonitoredApp, sampleValue } from './support.ts'

/** Metric names and labels after known traffic: route templates, never raw URLs. */

const { app, db, admin } = await buildMonitoredApp({ after })
const book = {
  id: await insertBookWithAuthor(
    db,
    { title: 'Measured' },
    { name: 'Ada Metric', slug: `ada-metric-${process.pid}` },
  ),
}
const adminKey = await createApiKey(db, ['admin'])

async function scrape(headers: Record<string, string> = adminKey) {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers })
  assert.equal(response.statusCode, 200, response.body)
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  return response.body
}

describe('GET /metrics', () => {
  test('refuses anonymous callers and readers; an admin key or admin user may scrape', async () => {
    assertProblem(await app.inject('/metrics'), 401, 'AUTH_REQUIRED')
    const reader = await registerUser(app)
    assert.equal((await app.inject({ url: '/metrics', headers: reader.headers })).statusCode, 403)
    await scrape(admin.headers)
  })

  test('request durations are labelled by method, route template and status', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await app.inject(`/api/books/${book.id}`)).statusCode, 200)
    }
    for (const id of [999_001, 999_002]) {
      assertProblem(await app.inject(`/api/books/${id}`), 404, 'BOOK_NOT_FOUND')
    }
    assertProblem(await app.inject('/api/nowhere/12345'), 404, 'ROUTE_NOT_FOUND')
    const text = await scrape()
    const name = 'victoria_http_request_duration_seconds_count'
    const ok = { method: 'GET', route: '/api/books/:id', status_code: '200' }
    assert.equal(sampleValue(text, name, ok), 3)
    assert.equal(sampleValue(text, name, { ...ok, status_code: '404' }), 2)
    assert.equal(
      sampleValue(text, name, { method: 'GET', route: 'unmatched', status_code: '404' }),
      1,
    )
    // cardinality stays bounded: no raw URL or id appears as a label value
    assert.doesNotMatch(text, /route="\/api\/books\/\d+/)
    assert.doesNotMatch(text, /999001|999002|nowhere|12345/)
    assert.ok(
      sampleValue(text, 'victoria_http_request_duration_seconds_bucket', { ...ok, le: '+Inf' }) ===
        3,
    )
  })

  test('errors by stable code, cache lookups by category and result', async () => {
    const text = await scrape()
    assert.equal(
      sampleValue(text, 'victoria_errors_total', { code: 'BOOK_NOT_FOUND', status_code: '404' }),
      2,
    )
    assert.equal(
      sampleValue(text, 'victoria_errors_total', { code: 'ROUTE_NOT_FOUND', status_code: '404' }),
      1,
    )
    // the first read was a miss, the next two hits
    const cache = 'victoria_cache_requests_total'
    assert.ok(sampleValue(text, cache, { category: 'books', result: 'hit' })! >= 2)
    assert.ok(sampleValue(text, cache, { category: 'books', result: 'miss' })! >= 1)
    assert.equal(sampleValue(text, cache, { category: 'search', result: 'hit' }), 0)
  })

  test('database queries are timed by name, never by their SQL text', async () => {
    const text = await scrape()
    const count = 'victoria_db_query_duration_seconds_count'
    assert.ok(sampleValue(text, count, { query: 'select_books', outcome: 'ok' })! >= 1, text)
    const names = [...text.matchAll(/victoria_db_query_duration_seconds_count\{query="([^"]+)"/g)]
    for (const [, n] of names) assert.match(n!, /^[a-z][a-z0-9_]*$/)
  })

  test('rate-limit rejections by tier and security events by type, from the channels', async () => {
    publishRateLimitRejected({ tier: 'auth', keyKind: 'ip', route: '/api/auth/login' })
    publishRateLimitRejected({ tier: 'auth', keyKind: 'ip' })
    publishRateLimitRejected({ tier: 'search', keyKind: 'user' })
    publishSecurityEvent({ type: 'login_failed', severity: 'warning' })
    const text = await scrape()
    assert.equal(sampleValue(text, 'victoria_rate_limit_rejections_total', { tier: 'auth' }), 2)
    assert.equal(sampleValue(text, 'victoria_rate_limit_rejections_total', { tier: 'search' }), 1)
    assert.equal(
      sampleValue(text, 'victoria_security_events_total', {
        type: 'login_failed',
        severity: 'warning',
      }),
      1,
    )
  })

  test('process CPU and memory, event-loop lag and (on PostgreSQL) pool usage', async () => {
    const text = await scrape()
    for (const family of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.match(text, new RegExp(`^${family} `, 'm'), family)
    }
    const pool = sampleValue(text, 'victoria_db_pool_connections', { state: 'max' })
    if (TEST_ENGINE === 'postgres') assert.equal(pool, 5)
    else assert.equal(pool, undefined, 'PGlite has no pool')
  })
})

describe('request ids and logs', () => {
  test('every answer carries X-Request-Id; a client cannot choose it', async () => {
    const response = await app.inject({
      url: '/api/health',
      headers: { 'x-request-id': 'chosen-by-client' },
    })
    assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  })

  test('an id from a trusted proxy is kept; from anyone else, or malformed, it is replaced', () => {
    const generate = requestIdGenerator(['10.0.0.5'])
    const req = (remoteAddress: string, id: string) =>
      ({ headers: { 'x-request-id': id }, socket: { remoteAddress } }) as unknown as IncomingMessage
    assert.equal(generate(req('10.0.0.5', 'edge-abc-123')), 'edge-abc-123')
    assert.equal(generate(req('::ffff:10.0.0.5', 'edge-abc-123')), 'edge-abc-123')
    assert.notEqual(generate(req('10.0.0.6', 'edge-abc-123')), 'edge-abc-123')
    assert.notEqual(generate(req('10.0.0.5', 'bad\nid')), 'bad\nid')
    assert.notEqual(requestIdGenerator(null)(req('10.0.0.5', 'edge-abc-123')), 'edge-abc-123')
  })
})

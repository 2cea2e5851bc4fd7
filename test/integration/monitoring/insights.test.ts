import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { registerUser } from '../../helpers/users.ts'
import { buildMonitoredApp, eventually } from './support.ts'

/** Insights from seeded measurements, and the admin monitoring API around them. */

const { app, admin } = await buildMonitoredApp({ after }, { SLOW_QUERY_MS: '1' })
const o = app.observability

async function insights(): Promise<{ message: string; advice: string; severity: string }[]> {
  const response = await app.inject({
    url: '/api/admin/monitoring/insights',
    headers: admin.headers,
  })
  assert.equal(response.statusCode, 200, response.body)
  return response.json().insights
}

describe('insights from seeded measurements', () => {
  test('a slow route with few cache hits: raise its TTL', async () => {
    const now = Date.now()
    // 100 requests: p95 ≈ 180 ms, 12 of them served from the cache
    for (let i = 0; i < 100; i++) {
      const durationMs = i < 94 ? 20 + i : 180
      o.tracker.record(
        'GET /api/search',
        { durationMs, status: 200, cache: i < 12 ? 'HIT' : 'MISS' },
        now - 1_000,
      )
    }
    const found = (await insights()).find((i) => i.message.startsWith('GET /api/search'))
    assert.ok(found, 'an insight about the search route')
    assert.equal(found.message, 'GET /api/search p95 is 180 ms with 12 % cache hits')
    assert.match(found.advice, /raise its TTL/)
  })

  test('a query that scans sequentially: add an index', async () => {
    o.slowQueries.seed({
      query: 'reviews_by_book',
      durationMs: 240,
      at: new Date().toISOString(),
      sql: 'select * from reviews where book_id = $1',
      planHint: 'sequential scan on reviews (~120000 rows, filter (book_id = 42))',
      seqScans: ['reviews'],
    })
    const found = (await insights()).find((i) => i.message.includes('reviews_by_book'))
    assert.ok(found)
    assert.match(found.message, /query reviews_by_book scans sequentially \(reviews\)/)
    assert.match(found.advice, /add an index/)
  })

  test('an error code that grew tenfold in an hour', async () => {
    const now = Date.now()
    for (let i = 0; i < 3; i++) o.errorCodes.add('BOOK_IMPORT_FAILED', now - 90 * 60_000)
    for (let i = 0; i < 30; i++) o.errorCodes.add('BOOK_IMPORT_FAILED', now - 10 * 60_000)
    // steady codes give no advice
    for (let i = 0; i < 20; i++) o.errorCodes.add('STEADY', now - 90 * 60_000)
    for (let i = 0; i < 20; i++) o.errorCodes.add('STEADY', now - 10 * 60_000)
    const all = await insights()
    const grew = all.find((i) => i.message.includes('BOOK_IMPORT_FAILED'))
    assert.equal(grew?.message, 'error BOOK_IMPORT_FAILED grew 10× in an hour (3 → 30)')
    assert.equal(grew?.severity, 'critical')
    assert.ok(!all.some((i) => i.message.includes('STEADY')))
    assert.equal(all[0]!.severity, 'critical', 'most severe first')
  })

  test('nothing measured, no advice on routes, queries or errors', async () => {
    const { app: quiet, admin: quietAdmin } = await buildMonitoredApp({ after })
    const response = await quiet.inject({
      url: '/api/admin/monitoring/insights',
      headers: quietAdmin.headers,
    })
    // resources (event-loop lag, heap) depend on the machine running the tests; the rest on
    // what the app measured, which is nothing yet
    const measured = response
      .json()
      .insights.filter((i: { kind: string }) => i.kind !== 'resources')
    assert.deepEqual(measured, [])
  })
})

describe('slow-query log', () => {
  test('a query above the threshold is logged with its name and a plan from EXPLAIN', async () => {
    await app.inject('/api/books?limit=5')
    await eventually(() =>
      o.slowQueries.recent().some((q) => q.query === 'select_books' && q.planHint !== null),
    )
    const entry = o.slowQueries.byName().find((q) => q.query === 'select_books')!
    assert.match(entry.planHint!, /cost/)
    assert.ok(!o.slowQueries.recent().some((q) => q.query === 'explain'), 'EXPLAIN is not logged')
  })
})

describe('GET /api/admin/monitoring', () => {
  test('summarizes health, routes, history, errors, alerts, insights and cache', async () => {
    for (let i = 0; i < 5; i++) await app.inject('/api/books?limit=3')
    o.sample()
    const response = await app.inject({ url: '/api/admin/monitoring', headers: admin.headers })
    assert.equal(response.statusCode, 200, response.body)
    const s = response.json()
    assert.ok(['ok', 'degraded'].includes(s.health.status))
    const books = s.routes.find((r: { route: string }) => r.route === 'GET /api/books')
    assert.ok(books.windows['1m'].requests >= 5)
    assert.ok(books.windows['1m'].p50Ms > 0)
    assert.ok(s.history.length >= 1)
    assert.ok(s.history.at(-1).requests >= 5)
    assert.ok(s.history.at(-1).rssBytes > 0)
    assert.ok('books' in s.cache.categories)
    assert.ok(Array.isArray(s.alerts.active))
    assert.ok(Array.isArray(s.errors.groups))
    assert.ok(s.insights.length >= 1)
  })

  test('readers are refused', async () => {
    const reader = await registerUser(app)
    for (const url of ['/api/admin/monitoring', '/api/admin/monitoring/insights']) {
      assert.equal((await app.inject({ url, headers: reader.headers })).statusCode, 403)
      assert.equal((await app.inject(url)).statusCode, 401)
    }
  })
})

describe('GET /api/health', () => {
  test('reports every dependency with its status, and uptime and version', async () => {
    const health = (await app.inject('/api/health')).json()
    for (const name of ['database', 'redis', 'cache', 'memory', 'eventLoop', 'disk']) {
      assert.ok(health.checks[name]?.status, name)
    }
    assert.equal(health.checks.database.status, 'ok')
    assert.equal(typeof health.checks.database.responseTimeMs, 'number')
    assert.equal(typeof health.checks.eventLoop.lagMs, 'number')
    assert.ok(health.checks.memory.heapLimitBytes > health.checks.memory.heapUsedBytes)
    assert.equal(health.version, o.release)
    assert.equal(typeof health.uptimeSeconds, 'number')
  })
})

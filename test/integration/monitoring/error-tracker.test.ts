import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { buildMonitoredApp, eventually } from './support.ts'

/** Injected failures end up in the error tracker, grouped with their twins, with context. */

function failAt(id: number): never {
  throw new Error(`importer exploded on book ${id}`)
}

const { app, db, admin } = await buildMonitoredApp(
  { after },
  {},
  {
    routes(app) {
      app.get('/test/import/:id', async (request) =>
        failAt(Number((request.params as { id: string }).id)),
      )
      app.get('/test/other', async () => {
        throw new TypeError('a different bug')
      })
      app.get('/test/unavailable', async () => {
        throw Object.assign(new Error('terminating connection'), { code: '57P01' })
      })
    },
  },
)

interface Group {
  fingerprint: string
  code: string
  route: string | null
  occurrences: number
  lastRequestId: string | null
  lastUserId: number | null
  firstSeen: string
  lastSeen: string
}

async function groups(): Promise<Group[]> {
  const response = await app.inject({ url: '/api/admin/monitoring', headers: admin.headers })
  assert.equal(response.statusCode, 200, response.body)
  return response.json().errors.groups
}

describe('error tracker', () => {
  test('the same failure twice is one group of two; another bug is a group of its own', async () => {
    const reader = await registerUser(app)
    const first = await app.inject('/test/import/1')
    const second = await app.inject({ url: '/test/import/2', headers: reader.headers })
    assertProblem(first, 500, 'INTERNAL_ERROR')
    assertProblem(second, 500, 'INTERNAL_ERROR')
    assertProblem(await app.inject('/test/other'), 500, 'INTERNAL_ERROR')

    await app.observability.errors.flush()
    const all = await groups()
    const twins = all.filter((g) => g.route === '/test/import/:id')
    assert.equal(twins.length, 1, JSON.stringify(all))
    assert.equal(twins[0]!.occurrences, 2)
    assert.equal(twins[0]!.code, 'INTERNAL_ERROR')
    assert.equal(twins[0]!.lastRequestId, second.headers['x-request-id'])
    assert.ok(twins[0]!.firstSeen <= twins[0]!.lastSeen)
    const other = all.filter((g) => g.route === '/test/other')
    assert.equal(other.length, 1)
    assert.notEqual(other[0]!.fingerprint, twins[0]!.fingerprint)

    // each occurrence keeps its context: route, request id, release, the raw URL (in context)
    const { rows } = await sql<{
      request_id: string
      route: string
      release: string
      context: { url: string }
    }>`
      SELECT request_id, route, release, context FROM error_occurrences
      WHERE fingerprint = ${twins[0]!.fingerprint} ORDER BY id`.execute(db)
    assert.deepEqual(
      rows.map((r) => r.request_id),
      [first.headers['x-request-id'], second.headers['x-request-id']],
    )
    assert.deepEqual(
      rows.map((r) => r.context.url),
      ['/test/import/1', '/test/import/2'],
    )
    assert.ok(rows.every((r) => r.release === app.observability.release))
  })

  test('the user behind a failing request is recorded', async () => {
    const reader = await registerUser(app)
    // an authenticated route that fails: the user id comes from request.principal
    app.observability.errors.capture({
      error: new Error('simulated'),
      status: 500,
      code: 'INTERNAL_ERROR',
      route: '/test/with-user',
      userId: reader.id,
    })
    await app.observability.errors.flush()
    const group = (await groups()).find((g) => g.route === '/test/with-user')
    assert.equal(group?.lastUserId, reader.id)
  })

  test('a 503 (database unavailable) is captured under its own code', async () => {
    assertProblem(await app.inject('/test/unavailable'), 503, 'DATABASE_UNAVAILABLE')
    await app.observability.errors.flush()
    const group = (await groups()).find((g) => g.route === '/test/unavailable')
    assert.equal(group?.code, 'DATABASE_UNAVAILABLE')
  })

  test('4xx answers are client mistakes, not captured errors', async () => {
    const before = app.observability.errors.captured
    assertProblem(await app.inject('/api/books/0'), 400, 'VALIDATION_FAILED')
    await app.inject('/api/books/987654')
    assert.equal(app.observability.errors.captured, before)
  })

  test('a failing tracker never fails the request', async () => {
    await sql`ALTER TABLE error_occurrences RENAME TO error_occurrences_away`.execute(db)
    try {
      assertProblem(await app.inject('/test/other'), 500, 'INTERNAL_ERROR')
      await app.observability.errors.flush()
      // the app still answers normally
      assert.equal((await app.inject('/health/live')).statusCode, 200)
    } finally {
      await sql`ALTER TABLE error_occurrences_away RENAME TO error_occurrences`.execute(db)
    }
  })

  test('retention deletes occurrences and groups past ERROR_RETENTION_DAYS', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000)
    app.observability.errors.capture({
      error: new Error('ancient'),
      status: 500,
      code: 'ANCIENT',
      route: '/test/ancient',
      at: old,
    })
    await app.observability.errors.flush()
    await eventually(async () => (await groups()).some((g) => g.code === 'ANCIENT'))
    const swept = await app.observability.errors.sweep()
    assert.ok(swept.occurrences >= 1 && swept.groups >= 1, JSON.stringify(swept))
    assert.ok(!(await groups()).some((g) => g.code === 'ANCIENT'))
    assert.ok(
      (await groups()).some((g) => g.route === '/test/import/:id'),
      'recent groups stay',
    )
  })
})

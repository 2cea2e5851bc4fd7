import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import type { SecurityEvent } from '../../../src/lib/app-events.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { createApiKey, registerAdmin } from './principals.ts'
import { buildLimitedApp } from './rate-limit-apps.ts'

/**
 * The security audit log: failed logins, refresh-token reuse, admin actions and API-key use
 * are stored and published; GET /api/admin/security-events filters and pages them; retention
 * deletes old ones.
 */

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const close of closers) await close()
})
const { app, db } = await buildLimitedApp((fn) => closers.push(fn), {})

let admin: TestUser
let reader: TestUser
const published: SecurityEvent[] = []
const listen = (message: unknown) => published.push(message as SecurityEvent)

before(async () => {
  subscribe('victoria:security-event', listen)
  admin = await registerAdmin(app, db)
  reader = await registerUser(app)
})
after(() => unsubscribe('victoria:security-event', listen))

type Page = {
  items: {
    id: number
    type: string
    userId: number | null
    ip: string | null
    detail: Record<string, unknown>
  }[]
  nextCursor: string | null
}
const list = async (query = '') => {
  const response = await app.inject({
    url: `/api/admin/security-events${query}`,
    headers: admin.headers,
  })
  assert.equal(response.statusCode, 200, response.body)
  return response.json<Page>()
}

describe('events recorded', () => {
  test('a failed login, with the address and the account tried', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: ` ${reader.email.toUpperCase()} `, password: 'not the password at all' },
    })
    assert.equal(response.statusCode, 401)
    const { items } = await list('?type=login_failed')
    assert.equal(items.length, 1)
    assert.equal(items[0]!.ip, '127.0.0.1')
    assert.equal(items[0]!.detail.email, reader.email.toLowerCase())
    assert.ok(
      published.some((e) => e.type === 'login_failed'),
      'published for observability',
    )
  })

  test('refresh-token reuse, critical, for the user', async () => {
    const first = await app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: reader.refreshToken },
    })
    assert.equal(first.statusCode, 200)
    const reuse = await app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: reader.refreshToken },
    })
    assert.equal(reuse.statusCode, 401)
    const { items } = await list(`?type=refresh_token_reused&userId=${reader.id}`)
    assert.equal(items.length, 1)
    assert.equal(items[0]!.userId, reader.id)
    assert.equal(published.find((e) => e.type === 'refresh_token_reused')?.severity, 'critical')
  })

  test('admin actions, and API-key use once per key in a while', async () => {
    const key = await createApiKey(db, ['admin'])
    const disable = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${reader.id}`,
      headers: admin.headers,
      payload: { disabled: true },
    })
    assert.equal(disable.statusCode, 200, disable.body)
    for (let i = 0; i < 3; i++) {
      assert.equal((await app.inject({ url: '/api/admin/api-keys', headers: key })).statusCode, 200)
    }
    const actions = (await list('?type=admin_action')).items
    assert.equal(actions.length, 1)
    assert.equal(actions[0]!.userId, admin.id)
    assert.equal(actions[0]!.detail.route, '/api/admin/users/:id')
    assert.equal((await list('?type=api_key_used')).items.length, 1)
    // reads are not admin actions
    assert.ok(!actions.some((a) => a.detail.method === 'GET'))
  })
})

describe('GET /api/admin/security-events', () => {
  test('pages newest first through every event, without repeats', async () => {
    for (let i = 0; i < 5; i++) {
      app.securityEvents.record({ type: 'test_event', severity: 'info', detail: { i } })
    }
    const seen: number[] = []
    let cursor: string | null = null
    do {
      const page: Page = await list(`?type=test_event&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...page.items.map((item) => item.detail.i as number))
      cursor = page.nextCursor
    } while (cursor)
    assert.deepEqual(seen, [4, 3, 2, 1, 0])
    const since = new Date(Date.now() + 60_000).toISOString()
    assert.equal((await list(`?since=${encodeURIComponent(since)}`)).items.length, 0)
  })

  test('is for administrators only; bad filters are 400', async () => {
    const other = await registerUser(app)
    assertProblem(
      await app.inject({ url: '/api/admin/security-events', headers: other.headers }),
      403,
      'FORBIDDEN',
    )
    assertProblem(await app.inject('/api/admin/security-events'), 401, 'AUTH_REQUIRED')
    const bad = await app.inject({
      url: '/api/admin/security-events?type=DROP%20TABLE&limit=1000',
      headers: admin.headers,
    })
    assertProblem(bad, 400, 'VALIDATION_FAILED')
  })
})

test('retention deletes events older than the configured days, and only those', async () => {
  app.securityEvents.record({ type: 'old_event', severity: 'info' })
  app.securityEvents.record({ type: 'recent_event', severity: 'info' })
  await app.securityEvents.flush()
  await sql`UPDATE security_events SET created_at = now() - interval '91 days'
            WHERE type = 'old_event'`.execute(db)
  const deleted = await app.securityEvents.deleteOlderThan(90)
  assert.equal(deleted, 1)
  const types = (await db.selectFrom('security_events').select('type').execute()).map((r) => r.type)
  assert.ok(!types.includes('old_event'))
  assert.ok(types.includes('recent_event'))
})

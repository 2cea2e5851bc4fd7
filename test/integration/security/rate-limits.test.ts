import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { after, describe, test } from 'node:test'
import type { App } from '../../../src/app.ts'
import type { RateLimitRejected } from '../../../src/lib/app-events.ts'
import { ApiKeysService } from '../../../src/modules/accounts/api-keys.service.ts'
import { tiersOf } from '../../../src/security/rate-limit-tiers.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { createApiKey } from './principals.ts'
import { buildLimitedApp, hasRedisServer, type OwnRedis, startOwnRedis } from './rate-limit-apps.ts'

/**
 * Multi-tier rate limits: the tier table (routes merged later included), the headers, burst
 * protection, who is counted, the security events a refusal raises, and RELIABILITY.md rows 9
 * and 16 across instances: counters shared through Redis, and still enforced with Redis frozen
 * or gone.
 */

const closers: (() => Promise<void>)[] = []
const register = (fn: () => Promise<void>) => closers.push(fn)
after(async () => {
  for (const close of closers.reverse()) await close()
})

const badRefresh = (app: App, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/auth/refresh',
    headers,
    payload: { refreshToken: 'x'.repeat(43) },
  })

/** Statuses of `n` requests made one after the other. */
async function statuses(n: number, send: () => Promise<{ statusCode: number }>) {
  const seen: number[] = []
  for (let i = 0; i < n; i++) seen.push((await send()).statusCode)
  return seen
}
const count = (seen: number[], status: number) => seen.filter((s) => s === status).length

describe('the tier table', () => {
  test('classifies by method and route template, merged modules included', () => {
    assert.deepEqual(tiersOf('POST', '/api/auth/login'), ['global', 'auth'])
    assert.deepEqual(tiersOf('POST', '/api/auth/register'), ['global', 'auth'])
    assert.deepEqual(tiersOf('POST', '/api/auth/refresh'), ['global', 'auth'])
    assert.deepEqual(tiersOf('POST', '/api/auth/logout'), ['global'])
    assert.deepEqual(tiersOf('GET', '/api/search'), ['global', 'search'])
    assert.deepEqual(tiersOf('GET', '/api/search/suggest'), ['global', 'search'])
    assert.deepEqual(tiersOf('GET', '/api/searchable'), ['global'])
    assert.deepEqual(tiersOf('POST', '/api/orders'), ['global', 'payment'])
    assert.deepEqual(tiersOf('POST', '/api/orders/:id/checkout'), ['global', 'payment'])
    assert.deepEqual(tiersOf('GET', '/api/orders/:id'), ['global'])
    assert.deepEqual(tiersOf('POST', '/api/payments/intents'), ['global', 'payment'])
    // the payment webhook is outside every limit (signature-checked; the local provider posts it from 127.0.0.1)
    assert.equal(tiersOf('POST', '/api/payments/webhook'), null)
    assert.deepEqual(tiersOf('POST', '/api/books/:id/reviews'), ['global', 'reviews'])
    assert.deepEqual(tiersOf('PATCH', '/api/reviews/:id'), ['global', 'reviews'])
    assert.deepEqual(tiersOf('PUT', '/api/reviews/:id/helpful'), ['global', 'reviews'])
    assert.deepEqual(tiersOf('GET', '/api/books/:id/reviews'), ['global'])
    assert.deepEqual(tiersOf('GET', '/api/books'), ['global'])
    assert.equal(tiersOf('GET', '/health/live'), null)
    assert.deepEqual(tiersOf('GET', '/api/x', { tier: 'search' }), ['global', 'search'])
    assert.equal(tiersOf('GET', '/api/books', false), null)
  })

  test('the search, order and payment routes get their limits from the table', async () => {
    const { app } = await buildLimitedApp(register, {
      RATE_LIMIT_SEARCH: '3/60',
      RATE_LIMIT_PAYMENT: '2/60',
    })
    const search = await statuses(5, () => app.inject('/api/search?q=x'))
    assert.deepEqual(search, [200, 200, 200, 429, 429])
    // the suggest route shares the search budget of this caller
    assert.equal((await app.inject('/api/search/suggest?q=x')).statusCode, 429)
    // other routes are in the global tier only
    assert.equal((await app.inject('/api/books')).statusCode, 200)
    // counted before authentication: an anonymous checkout is a 401 until the budget is spent
    const orders = await statuses(3, () => app.inject({ method: 'POST', url: '/api/orders' }))
    assert.deepEqual(orders, [401, 401, 429])
    // the provider's webhook is never throttled by the payment tier
    const hooks = await statuses(5, () =>
      app.inject({ method: 'POST', url: '/api/payments/webhook' }),
    )
    assert.equal(count(hooks, 429), 0)
  })
})

describe('answers', () => {
  test('RateLimit headers count down; the 429 is problem+json with Retry-After', async () => {
    const { app } = await buildLimitedApp(register, { RATE_LIMIT_GLOBAL: '3/900' })
    const remaining: string[] = []
    for (let i = 0; i < 3; i++) {
      const response = await app.inject('/api/genres')
      assert.equal(response.statusCode, 200)
      assert.equal(response.headers['ratelimit-limit'], '3')
      remaining.push(String(response.headers['ratelimit-remaining']))
      const reset = Number(response.headers['ratelimit-reset'])
      assert.ok(reset > 0 && reset <= 900, `reset ${reset}`)
    }
    assert.deepEqual(remaining, ['2', '1', '0'])
    const refused = await app.inject('/api/genres')
    assertProblem(refused, 429, 'RATE_LIMITED')
    const retryAfter = Number(refused.headers['retry-after'])
    assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`)
    assert.equal(refused.headers['ratelimit-remaining'], '0')
    // liveness is never limited
    assert.equal((await app.inject('/health/live')).statusCode, 200)
  })

  test('burst protection: a short window on top of the long one', async () => {
    const { app } = await buildLimitedApp(register, { RATE_LIMIT_GLOBAL: '100/900,3/1' })
    const first = await statuses(5, () => app.inject('/api/genres'))
    assert.deepEqual(first, [200, 200, 200, 429, 429])
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    assert.equal((await app.inject('/api/genres')).statusCode, 200, 'the burst window passed')
  })
})

describe('who is counted', () => {
  test('each user has a budget of their own; bad tokens count against the address', async () => {
    const { app } = await buildLimitedApp(register, { RATE_LIMIT_GLOBAL: '4/900' })
    // registering costs the address 2 of its 4 (the calls themselves are anonymous)
    const alice = await registerUser(app)
    const bob = await registerUser(app)
    const a = await statuses(5, () => app.inject({ url: '/api/me', headers: alice.headers }))
    const b = await statuses(5, () => app.inject({ url: '/api/me', headers: bob.headers }))
    assert.deepEqual(a, [200, 200, 200, 200, 429])
    assert.deepEqual(b, [200, 200, 200, 200, 429])
    const forged = { authorization: 'Bearer not.a.token' }
    const anonymous = await statuses(3, () => app.inject({ url: '/api/me', headers: forged }))
    assert.deepEqual(anonymous, [401, 401, 429])
  })

  test('an API key is counted as itself, its limits scaled by its tier', async () => {
    const { app, db } = await buildLimitedApp(register, {
      RATE_LIMIT_GLOBAL: '2/900',
      RATE_LIMIT_API_KEY_MULTIPLIERS: 'standard:1,partner:3',
    })
    const standard = await createApiKey(db, ['catalog:read'])
    const partner = await new ApiKeysService(db).create(
      { name: 'partner', scopes: ['catalog:read'], tier: 'partner' },
      null,
    )
    const partnerKey = { 'x-api-key': partner.key }
    const s = await statuses(4, () => app.inject({ url: '/api/genres', headers: standard }))
    const p = await statuses(8, () => app.inject({ url: '/api/genres', headers: partnerKey }))
    assert.deepEqual(s, [200, 200, 429, 429])
    assert.equal(count(p, 200), 6, `partner: ${p}`)
  })
})

describe('events', () => {
  test('a refusal is published for observability and stored once per flood', async () => {
    const { app, db } = await buildLimitedApp(register, { RATE_LIMIT_AUTH: '2/900' })
    const seen: RateLimitRejected[] = []
    const listener = (message: unknown) => seen.push(message as RateLimitRejected)
    subscribe('victoria:rate-limit-rejected', listener)
    try {
      const result = await statuses(6, () => badRefresh(app))
      assert.deepEqual(result, [401, 401, 429, 429, 429, 429])
    } finally {
      unsubscribe('victoria:rate-limit-rejected', listener)
    }
    assert.equal(seen.length, 4)
    assert.deepEqual(seen[0], { tier: 'auth', keyKind: 'ip', route: '/api/auth/refresh' })
    await app.securityEvents.flush()
    const rows = await db
      .selectFrom('security_events')
      .selectAll()
      .where('type', '=', 'rate_limit_burst')
      .execute()
    assert.equal(rows.length, 1, 'four refusals, one stored event')
    assert.equal(rows[0]!.ip, '127.0.0.1')
  })
})

describe('counters in Redis', {
  skip: hasRedisServer ? false : 'redis-server is not installed',
}, () => {
  let redis: OwnRedis
  test('two instances share one budget through Redis', async () => {
    redis = await startOwnRedis()
    closers.push(() => redis.stop())
    const settings = {
      REDIS_URL: redis.url,
      RATE_LIMIT_AUTH: '5/900',
      RATE_LIMIT_PREFIX: `rl-shared-${process.pid}`,
    }
    const { app: a } = await buildLimitedApp(register, settings)
    const { app: b } = await buildLimitedApp(register, settings)
    await Promise.all([a.ready(), b.ready()])
    const seen: number[] = []
    for (let i = 0; i < 12; i++) seen.push((await badRefresh(i % 2 ? b : a)).statusCode)
    assert.equal(count(seen, 401), 5, `${seen}`)
    assert.equal(count(seen, 429), 7)
  })

  test('with Redis frozen, logins and payments stay limited and nothing stalls', async () => {
    const { app } = await buildLimitedApp(register, {
      REDIS_URL: redis.url,
      RATE_LIMIT_AUTH: '3/900',
      RATE_LIMIT_PAYMENT: '2/60',
      REDIS_COMMAND_TIMEOUT_MS: 150,
    })
    await app.ready()
    redis.freeze()
    try {
      const slowest = { ms: 0 }
      const timed = async (send: () => Promise<{ statusCode: number }>) => {
        const started = performance.now()
        const response = await send()
        slowest.ms = Math.max(slowest.ms, performance.now() - started)
        return response
      }
      const auth = await statuses(8, () => timed(() => badRefresh(app)))
      const pay = await statuses(6, () =>
        timed(() => app.inject({ method: 'POST', url: '/api/orders' })),
      )
      assert.equal(count(auth, 401), 3, `auth: ${auth}`)
      // counted before authentication: two anonymous checkouts reach the 401, the rest are 429
      assert.equal(count(pay, 401), 2, `payment: ${pay}`)
      // one command timeout at most, then the breaker answers from memory
      assert.ok(slowest.ms < 1_000, `slowest request ${slowest.ms} ms`)
    } finally {
      redis.thaw()
    }
  })

  test('with Redis gone, limits are counted per process', async () => {
    const { app } = await buildLimitedApp(register, {
      REDIS_URL: redis.url,
      RATE_LIMIT_AUTH: '3/900',
    })
    await app.ready()
    await redis.kill()
    try {
      const auth = await statuses(6, () => badRefresh(app))
      assert.deepEqual(auth, [401, 401, 401, 429, 429, 429])
    } finally {
      // back, so that every app's cache and bus connections close cleanly
      await redis.restart()
    }
  })
})

import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { publishSecurityEvent } from '../../../src/lib/app-events.ts'
import {
  SIGNATURE_HEADER,
  signPayload,
  TIMESTAMP_HEADER,
} from '../../../src/observability/alerts.ts'
import { buildMonitoredApp, eventually } from './support.ts'

/** Alerts fire once, repeat while active, resolve; delivered to a signed webhook. */

interface Delivery {
  headers: IncomingHttpHeaders
  body: string
  json: { status: string; repeat: boolean; alert: string; key: string; severity: string }
}

const SECRET = 'alert-webhook-secret-for-tests'
const deliveries: Delivery[] = []
const receiver = createServer((req, res) => {
  let body = ''
  req.on('data', (chunk) => {
    body += chunk
  })
  req.on('end', () => {
    deliveries.push({ headers: req.headers, body, json: JSON.parse(body) })
    res.writeHead(204).end()
  })
})
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
after(() => new Promise<void>((resolve) => receiver.close(() => resolve())))
const { port } = receiver.address() as AddressInfo

const { app } = await buildMonitoredApp(
  { after },
  {
    ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/victoria`,
    ALERT_WEBHOOK_SECRET: SECRET,
    ALERT_REPEAT_MS: '60000',
  },
  {
    routes(app) {
      app.get('/test/flaky', async () => {
        throw new Error('downstream broke')
      })
    },
  },
)

const of = (name: string) => deliveries.filter((d) => d.json.alert === name)

async function evaluate(now: number) {
  const events = await app.observability.evaluateAlerts(now)
  await app.observability.alerts.settled()
  return events
}

describe('error-rate alert on a scripted burst', () => {
  let burstAt = 0
  before(async () => {
    for (let i = 0; i < 20; i++) await app.inject('/api/health')
    for (let i = 0; i < 10; i++) assert.equal((await app.inject('/test/flaky')).statusCode, 500)
    burstAt = Date.now()
  })

  test('fires once, delivered to the webhook with a valid signature', async () => {
    const events = await evaluate(burstAt)
    assert.deepEqual(
      events.filter((e) => e.alert === 'VictoriaHighErrorRate').map((e) => e.status),
      ['firing'],
    )
    const [delivery] = of('VictoriaHighErrorRate')
    assert.ok(delivery, 'webhook received the alert')
    assert.equal(delivery.json.status, 'firing')
    assert.equal(delivery.json.severity, 'critical')
    const timestamp = String(delivery.headers[TIMESTAMP_HEADER])
    assert.equal(delivery.headers[SIGNATURE_HEADER], signPayload(SECRET, timestamp, delivery.body))
    assert.notEqual(
      delivery.headers[SIGNATURE_HEADER],
      signPayload('wrong', timestamp, delivery.body),
    )
    assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60)
    const active = app.observability.alerts.activeAlerts().map((a) => a.alert)
    assert.ok(active.includes('VictoriaHighErrorRate'))
  })

  test('stays quiet while active, then repeats on schedule', async () => {
    await evaluate(burstAt + 1_000)
    assert.equal(of('VictoriaHighErrorRate').length, 1, 'no second delivery within the repeat')
    await evaluate(burstAt + 61_000)
    const sent = of('VictoriaHighErrorRate')
    assert.equal(sent.length, 2)
    assert.equal(sent[1]!.json.repeat, true)
  })

  test('resolves once the burst leaves the window, and the gauge follows', async () => {
    await evaluate(burstAt + 6 * 60_000)
    const sent = of('VictoriaHighErrorRate')
    assert.equal(sent.at(-1)!.json.status, 'resolved')
    assert.ok(
      !app.observability.alerts.activeAlerts().some((a) => a.alert === 'VictoriaHighErrorRate'),
    )
    const metrics = await app.observability.metrics.registry.metrics()
    assert.match(metrics, /victoria_alerts_firing\{alert="VictoriaHighErrorRate"\} 0/)
    await evaluate(burstAt + 7 * 60_000)
    assert.equal(of('VictoriaHighErrorRate').length, sent.length, 'resolved is delivered once')
  })
})

describe('security incidents from the audit channel', () => {
  test('refresh-token reuse fires a critical alert', async () => {
    publishSecurityEvent({ type: 'refresh_token_reused', severity: 'critical', userId: 7 })
    await evaluate(Date.now())
    await eventually(() => of('VictoriaRefreshTokenReuse').length === 1)
    assert.equal(of('VictoriaRefreshTokenReuse')[0]!.json.severity, 'critical')
  })

  test('a burst of failed logins fires; a few do not', async () => {
    for (let i = 0; i < 5; i++) publishSecurityEvent({ type: 'login_failed', severity: 'warning' })
    await evaluate(Date.now())
    assert.equal(of('VictoriaLoginBurst').length, 0)
    for (let i = 0; i < 20; i++) publishSecurityEvent({ type: 'login_failed', severity: 'warning' })
    await evaluate(Date.now())
    assert.equal(of('VictoriaLoginBurst').length, 1)
  })
})

// Errors from closing the app after the Redis outage (the cache's teardown): the test closes
// its app itself while Redis answers again, and asserts there are none.
const closeErrors: unknown[] = []
after(() => {
  if (closeErrors.length > 0) console.error('app.close after the Redis outage:', closeErrors)
})

describe('dependency down', () => {
  test('Redis not answering fires DependencyDown and degrades /api/health; back, it resolves', async (t) => {
    // a Redis of the test's own (never the shared one), stopped and started at will
    const redisPort = await freePort()
    const redis = startRedis(redisPort)
    // stopped after the file's apps have closed (t.after hooks run first), so the cache's bus
    // connection can say goodbye instead of reconnecting forever and keeping the process alive
    after(() => {
      redis.kill('SIGKILL')
    })
    // registered before the app's own cleanup: Redis answers again before the app closes
    t.after(() => {
      redis.kill('SIGCONT')
    })
    await waitForPing(redisPort)
    const { app: other } = await buildMonitoredApp(
      t,
      {
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/victoria`,
        ALERT_WEBHOOK_SECRET: SECRET,
      },
      { closeErrors },
    )
    assert.equal((await other.inject('/api/health')).json().status, 'ok')
    const dependencyAlerts = (events: { alert: string }[]) =>
      events.filter((e) => e.alert === 'VictoriaDependencyDown')
    assert.deepEqual(dependencyAlerts(await other.observability.evaluateAlerts()), [])

    // frozen, not killed: every command times out, as with a hung or unreachable server, and
    // SIGCONT brings it back without the reconnect storm a restart causes
    redis.kill('SIGSTOP')
    const events = await other.observability.evaluateAlerts()
    await other.observability.alerts.settled()
    const down = events.find((e) => e.alert === 'VictoriaDependencyDown')
    assert.equal(down?.key, 'redis')
    assert.equal(down?.status, 'firing')
    const health = (await other.inject('/api/health')).json()
    assert.equal(health.status, 'degraded')
    assert.equal(health.checks.redis.status, 'down')
    assert.ok(health.checks.redis.detail, 'the reason is given')
    assert.equal(health.checks.cache.status, 'degraded')
    assert.equal(health.checks.database.status, 'ok')
    assert.match(
      await other.observability.metrics.registry.metrics(),
      /victoria_dependency_up\{dependency="redis"\} 0/,
    )

    redis.kill('SIGCONT')
    await eventually(async () => (await other.inject('/api/health')).json().status === 'ok', 15_000)
    const back = await other.observability.evaluateAlerts()
    assert.deepEqual(
      back.filter((e) => e.alert === 'VictoriaDependencyDown').map((e) => e.status),
      ['resolved'],
    )
    // the app closes with this test; its cache must not be left half-connected
    await other.close()
    assert.deepEqual(closeErrors, [])
  })
})

function startRedis(redisPort: number) {
  const child = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  return child
}

async function waitForPing(redisPort: number) {
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        execFile('redis-cli', ['-p', String(redisPort), 'ping'], (err, stdout) =>
          resolve(!err && stdout.trim() === 'PONG'),
        )
      }),
    10_000,
  )
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const free = (probe.address() as AddressInfo).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return free
}

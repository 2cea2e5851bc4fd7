import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type App, buildApp } from '../../../src/app.ts'
import { type Database, openDatabase } from '../../../src/db/database.ts'
import { LocalProvider } from '../../../src/modules/payments/local-provider.ts'
import { reconcile } from '../../../src/modules/payments/reconcile.ts'
import { openTestDatabase, TEST_ENGINE, testConfig } from '../../helpers/database.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { newBook } from '../orders/orders-support.ts'
import { sendWebhook } from './payments-support.ts'
import { ResetProxy } from './reset-proxy.ts'

/**
 * Chaos soak (RELIABILITY.md row 22): a burst of checkouts and webhooks while TCP proxies in
 * front of PostgreSQL and Redis reset every connection at random moments (the shared servers
 * themselves are never restarted); clients retry as clients do
 * (same Idempotency-Key on 5xx and 409, webhooks until 2xx). Then reconciliation: every
 * acknowledged order is there and paid, no order was charged twice, Σ paid = Σ captured.
 * PGlite has no network to break: there the burst and the reconciliation run without the proxy.
 */

const READERS = 10
const ORDERS_PER_READER = 3
const DUPLICATE_WEBHOOKS = 2

const direct = await openTestDatabase()
let proxy: ResetProxy | null = null
let appDatabase: Database = direct
if (TEST_ENGINE === 'postgres' && direct.url) {
  const target = new URL(direct.url)
  proxy = await ResetProxy.start(target.hostname, Number(target.port || 5432))
  const through = new URL(direct.url)
  through.host = `127.0.0.1:${proxy.port}`
  appDatabase = await openDatabase(
    {
      ...testConfig,
      DATABASE_URL: through.toString(),
      DB_POOL_MAX: 5,
      DB_CONNECTION_TIMEOUT_MS: 2_000,
    },
    { warn() {} },
  )
}
// Redis (the cache and its invalidation bus) behind a resetting proxy of its own, when there is one
let redisProxy: ResetProxy | null = null
let redisUrl = testConfig.REDIS_URL
if (proxy && testConfig.REDIS_URL) {
  const target = new URL(testConfig.REDIS_URL)
  redisProxy = await ResetProxy.start(target.hostname, Number(target.port || 6379))
  const through = new URL(testConfig.REDIS_URL)
  through.host = `127.0.0.1:${redisProxy.port}`
  redisUrl = through.toString()
}
const app: App = await buildApp(
  {
    ...testConfig,
    REDIS_URL: redisUrl,
    CACHE_PREFIX: `test-chaos-${process.pid}`,
    IDEMPOTENCY_LOCK_SECONDS: 2,
  },
  { database: appDatabase },
)
after(async () => {
  await app.close()
  if (appDatabase !== direct) await appDatabase.close()
  await proxy?.close()
  await redisProxy?.close()
  await direct.close()
})

const retries = { checkout: 0, webhook: 0 }

/** Calls until a 2xx, as a client would: 5xx and 409 are retried, any other 4xx is a bug. */
type Answer = Awaited<ReturnType<typeof sendWebhook>>

async function untilOk(kind: keyof typeof retries, call: () => Promise<Answer>) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const response = await call()
    if (response.statusCode < 300) return response
    if (response.statusCode < 500 && response.statusCode !== 409) {
      assert.fail(`${kind}: ${response.statusCode} ${response.body}`)
    }
    retries[kind]++
    await sleep(20 + Math.random() * 80)
  }
  assert.fail(`${kind}: no 2xx after 200 attempts`)
}

test('row 22: orders and webhooks through PostgreSQL connection resets, then reconciliation', async (t) => {
  const local = app.payments.provider
  assert.ok(local instanceof LocalProvider, 'the embedded default provider')
  // readers and books first, on a steady database
  const readers: TestUser[] = []
  for (let i = 0; i < READERS; i++) readers.push(await registerUser(app))
  const books: number[] = []
  for (let i = 0; i < READERS * ORDERS_PER_READER; i++)
    books.push(await newBook(direct.db, 100 + i))
  if (!proxy) {
    t.diagnostic(
      'PGlite: no network between app and database, so the connection-reset proxy is skipped; the burst and reconciliation run as on PostgreSQL',
    )
  }

  proxy?.startChaos(100, 400)
  redisProxy?.startChaos(200, 800)
  const acknowledged: { orderId: number; userId: number; bookId: number; total: number }[] = []
  await Promise.all(
    readers.map(async (reader, r) => {
      for (let i = 0; i < ORDERS_PER_READER; i++) {
        const bookId = books[r * ORDERS_PER_READER + i]!
        const key = randomUUID()
        const response = await untilOk('checkout', () =>
          app.inject({
            method: 'POST',
            url: '/api/orders',
            headers: { ...reader.headers, 'idempotency-key': key },
            payload: { items: [{ bookId }] },
          }),
        )
        const { order, payment } = response.json()
        acknowledged.push({ orderId: order.id, userId: reader.id, bookId, total: order.totalCents })
        // the provider redelivers: the same signed event again, concurrently with its own delivery
        const payload = await untilConfirmed(local, payment.paymentId)
        await Promise.all(
          Array.from({ length: DUPLICATE_WEBHOOKS }, () =>
            untilOk('webhook', () => sendWebhook(app, payload, local.webhookSecret)),
          ),
        )
      }
    }),
  )
  proxy?.stopChaos()
  redisProxy?.stopChaos()
  await local.drain()

  const orders = await direct.db
    .selectFrom('orders')
    .select(['id', 'status', 'total_cents'])
    .execute()
  const byId = new Map(orders.map((o) => [o.id, o]))
  const lost = acknowledged.filter((a) => !byId.has(a.orderId)).length
  const notPaid = acknowledged.filter((a) => byId.get(a.orderId)?.status !== 'paid').length
  const ledger = await direct.db
    .selectFrom('local_payment_intents')
    .select(['order_id', 'amount_received'])
    .execute()
  const chargesPerOrder = new Map<number, number>()
  for (const row of ledger) {
    if (row.amount_received > 0)
      chargesPerOrder.set(row.order_id!, (chargesPerOrder.get(row.order_id!) ?? 0) + 1)
  }
  const doubleCharged = [...chargesPerOrder.values()].filter((n) => n > 1).length
  const report = await reconcile(direct.db, local)
  const owned = await direct.db
    .selectFrom('library_entries')
    .select(['user_id', 'book_id'])
    .where('owned', '=', true)
    .execute()
  const ownedKeys = new Set(owned.map((o) => `${o.user_id}:${o.book_id}`))
  const notOwned = acknowledged.filter((a) => !ownedKeys.has(`${a.userId}:${a.bookId}`)).length

  t.diagnostic(
    `row 22 (${TEST_ENGINE}${proxy ? `, PostgreSQL: ${proxy.resets} resets of ${proxy.connectionsReset} connections` : ', no proxy'}` +
      `${redisProxy ? `, Redis: ${redisProxy.resets} resets of ${redisProxy.connectionsReset}` : ''}): ` +
      `${acknowledged.length} orders acknowledged after ${retries.checkout} checkout retries, ` +
      `${acknowledged.length * DUPLICATE_WEBHOOKS} duplicate webhooks after ${retries.webhook} retries → ` +
      `acknowledged orders lost: ${lost}; not paid: ${notPaid}; duplicate charges: ${doubleCharged + report.duplicateCharges}; ` +
      `Σ paid ${report.paidCents} = Σ captured ${report.capturedCents}; mismatches: ${report.mismatches.length}`,
  )
  assert.equal(acknowledged.length, READERS * ORDERS_PER_READER)
  assert.equal(lost, 0, 'acknowledged orders lost')
  assert.equal(notPaid, 0, 'every acknowledged order ends paid')
  assert.equal(notOwned, 0, 'every bought book is owned')
  assert.equal(doubleCharged, 0, 'no order charged twice')
  assert.equal(report.duplicateCharges, 0)
  assert.deepEqual(report.mismatches, [])
  assert.equal(report.paidCents, report.capturedCents)
  assert.equal(
    report.paidCents,
    acknowledged.reduce((sum, a) => sum + a.total, 0),
  )
  assert.equal(orders.length, acknowledged.length, 'no order beyond the acknowledged ones')
})

/** The payment's event as the local provider sends it, once its confirmation has gone through. */
async function untilConfirmed(local: LocalProvider, paymentId: string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const payload = await local.confirmPayment(paymentId)
      if (payload) return payload
    } catch {}
    await sleep(20 + Math.random() * 80)
  }
  assert.fail(`payment ${paymentId} never confirmed`)
}

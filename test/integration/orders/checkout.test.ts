import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { IdempotencyRepository } from '../../../src/modules/orders/idempotency.repository.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { buildPaymentsApp, type ProviderUnderTest } from '../payments/payments-support.ts'
import { checkout, newBook, orderStatus, paymentTables, settle } from './orders-support.ts'

// the same tests on the embedded local provider and on Stripe's SDK against a fake Stripe
const apps = {
  local: await buildPaymentsApp({ after }, 'local'),
  stripe: await buildPaymentsApp({ after }, 'stripe'),
}
const { app, db } = apps.local

for (const provider of ['local', 'stripe'] as ProviderUnderTest[]) {
  const { app, db } = apps[provider]

  describe(`${provider}: buying`, () => {
    test('a reader buys a book and finds it owned in their library', async () => {
      const reader = await registerUser(app)
      const bookId = await newBook(db, 1299)
      // the library is read (and cached) before the purchase: the purchase must drop that copy
      const before = await app.inject({ url: '/api/me/library', headers: reader.headers })
      assert.equal(before.json().total, 0)

      const response = await checkout(app, reader, [bookId], randomUUID())
      assert.equal(response.statusCode, 201, response.body)
      const { order, payment } = response.json()
      assert.equal(order.status, 'pending')
      assert.equal(order.totalCents, 1299)
      assert.equal(payment.provider, provider)
      assert.match(payment.clientSecret, /^pi_\w+_secret_\w+$/)
      assert.equal(response.headers.location, `/api/orders/${order.id}`)

      await settle(app)
      const paid = await app.inject({ url: `/api/orders/${order.id}`, headers: reader.headers })
      assert.equal(paid.json().status, 'paid')
      assert.ok(paid.json().paidAt)
      const entry = await app.inject({ url: `/api/me/library/${bookId}`, headers: reader.headers })
      assert.equal(entry.statusCode, 200, entry.body)
      assert.equal(entry.json().owned, true)
      assert.equal(entry.json().shelf, null)
      const library = await app.inject({ url: '/api/me/library', headers: reader.headers })
      assert.equal(library.json().total, 1, 'the cached library was dropped')
      const events = await db
        .selectFrom('payment_events')
        .selectAll()
        .where('order_id', '=', order.id)
        .execute()
      assert.deepEqual(
        events.map((e) => [e.type, e.transition]),
        [['payment_intent.succeeded', 'pending->paid']],
      )
    })

    test('a shelved book bought later keeps its shelf and becomes owned', async () => {
      const reader = await registerUser(app)
      const bookId = await newBook(db)
      await app.inject({
        method: 'PUT',
        url: `/api/me/library/${bookId}`,
        headers: reader.headers,
        payload: { shelf: 'reading', progress: 30 },
      })
      assert.equal((await checkout(app, reader, [bookId], randomUUID())).statusCode, 201)
      await settle(app)
      const entry = (
        await app.inject({ url: `/api/me/library/${bookId}`, headers: reader.headers })
      ).json()
      assert.deepEqual([entry.shelf, entry.progress, entry.owned], ['reading', 30, true])
    })

    test('prices are snapshotted on the order', async () => {
      const reader = await registerUser(app)
      const [a, b] = [await newBook(db, 500), await newBook(db, 700)]
      const { order } = (await checkout(app, reader, [a, b], randomUUID())).json()
      await db.updateTable('books').set({ price_cents: 9999 }).where('id', 'in', [a, b]).execute()
      const stored = (
        await app.inject({ url: `/api/orders/${order.id}`, headers: reader.headers })
      ).json()
      assert.equal(stored.totalCents, 1200)
      assert.deepEqual(
        stored.items.map((i: { priceCents: number }) => i.priceCents),
        [500, 700],
      )
      await settle(app)
    })

    test('a free book is owned at once, with no payment', async () => {
      const reader = await registerUser(app)
      const bookId = await newBook(db, 0)
      const response = await checkout(app, reader, [bookId], randomUUID())
      assert.equal(response.statusCode, 201, response.body)
      assert.equal(response.json().order.status, 'paid')
      assert.equal(response.json().payment.provider, 'none')
      const entry = await app.inject({ url: `/api/me/library/${bookId}`, headers: reader.headers })
      assert.equal(entry.json().owned, true)
    })

    test('buying a book you already own is a 409 naming the book, and changes nothing', async () => {
      const reader = await registerUser(app)
      const bookId = await newBook(db, 100, 'The Twice Bought Book')
      await checkout(app, reader, [bookId], randomUUID())
      await settle(app)
      const other = await newBook(db)
      const before = await paymentTables(db)
      const body = assertProblem(
        await checkout(app, reader, [other, bookId], randomUUID()),
        409,
        'BOOK_ALREADY_OWNED',
      )
      assert.match(body.detail, /The Twice Bought Book/)
      assert.deepEqual(await paymentTables(db), before)
    })
  })

  describe(`${provider}: idempotency`, () => {
    test('the same key and body replays the first answer, status and body', async () => {
      const reader = await registerUser(app)
      const bookId = await newBook(db)
      const key = randomUUID()
      const first = await checkout(app, reader, [bookId], key)
      assert.equal(first.statusCode, 201)
      await settle(app)
      const again = await checkout(app, reader, [bookId], key)
      assert.equal(again.statusCode, 201)
      assert.equal(again.headers['idempotent-replayed'], 'true')
      assert.deepEqual(again.json(), first.json())
      const orders = await db
        .selectFrom('orders')
        .select('id')
        .where('user_id', '=', reader.id)
        .execute()
      assert.equal(orders.length, 1)
    })

    test('the same key with a different body is a 422 and changes nothing', async () => {
      const reader = await registerUser(app)
      const [a, b] = [await newBook(db), await newBook(db)]
      const key = randomUUID()
      assert.equal((await checkout(app, reader, [a], key)).statusCode, 201)
      await settle(app)
      const before = await paymentTables(db)
      assertProblem(await checkout(app, reader, [b], key), 422, 'IDEMPOTENCY_KEY_REUSED')
      assert.deepEqual(await paymentTables(db), before)
    })

    test('a key still held by a running request is a 409, safe to retry', async () => {
      const reader = await registerUser(app)
      const bookId = await newBook(db)
      const key = randomUUID()
      const first = await checkout(app, reader, [bookId], key)
      await settle(app)
      // as if the first request were still running: it holds the key's lease, with no answer yet
      await db
        .updateTable('idempotency_keys')
        .set({
          response_status: null,
          response_body: null,
          lock_token: randomUUID(),
          locked_until: sql<Date>`now() + interval '1 minute'`,
        })
        .where('key', '=', key)
        .execute()
      assertProblem(await checkout(app, reader, [bookId], key), 409, 'IDEMPOTENCY_KEY_IN_USE')
      // the lease runs out (the holder died): the retry resumes the same order, not a new one
      await db
        .updateTable('idempotency_keys')
        .set({ locked_until: sql<Date>`now() - interval '1 second'` })
        .where('key', '=', key)
        .execute()
      const resumed = await checkout(app, reader, [bookId], key)
      assert.equal(resumed.statusCode, 201, resumed.body)
      assert.equal(resumed.json().order.id, first.json().order.id)
      assert.equal(resumed.json().payment.paymentId, first.json().payment.paymentId)
    })

    test('keys are per reader: another reader’s same key is their own request', async () => {
      const [a, b] = [await registerUser(app), await registerUser(app)]
      const bookId = await newBook(db)
      const key = randomUUID()
      const first = await checkout(app, a, [bookId], key)
      const second = await checkout(app, b, [bookId], key)
      assert.equal(second.statusCode, 201)
      assert.notEqual(second.json().order.id, first.json().order.id)
      await settle(app)
    })

    test('keys are kept 24 hours, and expired ones are cleaned up', async () => {
      const reader = await registerUser(app)
      const bookId = await newBook(db)
      const key = randomUUID()
      await checkout(app, reader, [bookId], key)
      await settle(app)
      const row = await db
        .selectFrom('idempotency_keys')
        .select(sql<number>`extract(epoch from expires_at - created_at)::int`.as('ttl'))
        .where('key', '=', key)
        .executeTakeFirstOrThrow()
      assert.equal(row.ttl, 24 * 3600)
      await db
        .updateTable('idempotency_keys')
        .set({ expires_at: sql<Date>`now() - interval '1 second'` })
        .where('key', '=', key)
        .execute()
      assert.ok((await new IdempotencyRepository(db).deleteExpired()) >= 1)
      const left = await db
        .selectFrom('idempotency_keys')
        .select('key')
        .where('key', '=', key)
        .execute()
      assert.deepEqual(left, [])
    })
  })

  describe(`${provider}: bad input changes nothing`, () => {
    test('each is a clear 4xx with a code', async () => {
      const reader = await registerUser(app)
      const bookId = await newBook(db)
      const before = await paymentTables(db)
      const post = (payload: unknown, key: string | null = randomUUID()) =>
        app.inject({
          method: 'POST',
          url: '/api/orders',
          headers: { ...reader.headers, ...(key === null ? {} : { 'idempotency-key': key }) },
          payload: payload as object,
        })
      const items = (ids: number[]) => ({ items: ids.map((id) => ({ bookId: id })) })
      assertProblem(await post(items([])), 400, 'VALIDATION_FAILED')
      assertProblem(
        await post(items(Array.from({ length: 51 }, (_, i) => i + 1))),
        400,
        'VALIDATION_FAILED',
      )
      assertProblem(await post(items([bookId, bookId])), 400, 'DUPLICATE_ITEMS')
      assertProblem(await post(items([bookId, 2_000_000_000])), 404, 'BOOK_NOT_FOUND')
      assertProblem(await post(items([bookId]), null), 400, 'IDEMPOTENCY_KEY_MISSING')
      assertProblem(await post(items([bookId]), 'k'.repeat(256)), 400, 'IDEMPOTENCY_KEY_INVALID')
      assertProblem(await post(items([bookId]), 'has space'), 400, 'IDEMPOTENCY_KEY_INVALID')
      assertProblem(
        await post({ ...items([bookId]), price: 0, status: 'paid', userId: 1 }),
        400,
        'VALIDATION_FAILED',
      )
      assertProblem(await post({ items: [{ bookId, priceCents: 1 }] }), 400, 'VALIDATION_FAILED')
      assert.deepEqual(await paymentTables(db), before)
    })

    test('orders are private: another reader’s order is a 404', async () => {
      const [owner, other] = [await registerUser(app), await registerUser(app)]
      const { order } = (await checkout(app, owner, [await newBook(db)], randomUUID())).json()
      await settle(app)
      assertProblem(
        await app.inject({ url: `/api/orders/${order.id}`, headers: other.headers }),
        404,
        'ORDER_NOT_FOUND',
      )
      const list = (await app.inject({ url: '/api/orders', headers: other.headers })).json()
      assert.equal(
        list.items.some((o: { id: number }) => o.id === order.id),
        false,
      )
    })
  })

  describe(`${provider}: the order state machine, enforced by the database`, () => {
    test('only pending → paid | failed | cancelled and paid → refunded are allowed', async () => {
      const reader = await registerUser(app)
      const { order } = (await checkout(app, reader, [await newBook(db)], randomUUID())).json()
      await settle(app)
      assert.equal(await orderStatus(db, order.id), 'paid')
      for (const status of ['pending', 'failed', 'cancelled'] as const) {
        await assert.rejects(
          db.updateTable('orders').set({ status }).where('id', '=', order.id).execute(),
          (e: { code?: string }) => e.code === '23514',
          `paid → ${status}`,
        )
      }
      await db
        .updateTable('orders')
        .set({ status: 'refunded' })
        .where('id', '=', order.id)
        .execute()
      await assert.rejects(
        db.updateTable('orders').set({ status: 'paid' }).where('id', '=', order.id).execute(),
      )
      await assert.rejects(
        db
          .insertInto('orders')
          .values({
            user_id: reader.id,
            status: 'paid',
            total_cents: 100,
            currency: 'USD',
            provider: 'local',
            cart_key: 'x',
          })
          .execute(),
        'a new order starts pending',
      )
    })
  })
}

describe('a restart', () => {
  test('completes a local payment the previous run answered for but never completed', async () => {
    const { buildApp } = await import('../../../src/app.ts')
    const { testConfig } = await import('../../helpers/database.ts')
    const { LocalProvider } = await import('../../../src/modules/payments/local-provider.ts')
    const reader = await registerUser(app)
    const provider = app.payments.provider as InstanceType<typeof LocalProvider>
    provider.autoConfirm = false
    const { order } = (await checkout(app, reader, [await newBook(db)], randomUUID())).json()
    provider.autoConfirm = true
    assert.equal(await orderStatus(db, order.id), 'pending')
    // a second instance on the same database starts, as after a crash
    const { database } = app
    const restarted = await buildApp(
      { ...testConfig, CACHE_PREFIX: `restart-${process.pid}` },
      { database },
    )
    await restarted.ready()
    await (restarted.payments.provider as InstanceType<typeof LocalProvider>).drain()
    await restarted.close()
    assert.equal(await orderStatus(db, order.id), 'paid')
  })
})

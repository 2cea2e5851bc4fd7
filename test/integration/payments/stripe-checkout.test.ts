import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { reconcile } from '../../../src/modules/payments/reconcile.ts'
import { registerUser } from '../../helpers/users.ts'
import { checkout, newBook } from '../orders/orders-support.ts'
import { registerAdmin } from '../security/principals.ts'
import { buildPaymentsApp, sendWebhook } from './payments-support.ts'

/**
 * The Stripe path against a fake Stripe on loopback (RELIABILITY.md rows 11–13): concurrent
 * checkouts with one key and with fifty keys, and a provider that commits and then drops the
 * connection, each end with one PaymentIntent; a refund asked for three times at once is one
 * refund; and reconciliation agrees with the fake's books.
 */

const { app, db, fake } = await buildPaymentsApp({ after }, 'stripe')
const stripe = fake!
const secret = app.payments.provider.webhookSecret

const ordersOf = (userId: number) =>
  db
    .selectFrom('orders')
    .select(['id', 'provider_payment_id'])
    .where('user_id', '=', userId)
    .execute()

/** The customer pays at the fake and Stripe's webhook arrives. */
async function pay(paymentId: string) {
  const response = await sendWebhook(app, JSON.stringify(stripe.capture(paymentId)), secret)
  assert.equal(response.statusCode, 200, response.body)
}

describe('checkout through Stripe', () => {
  test('a reader buys a book: PaymentIntent, client secret, webhook, owned', async () => {
    const reader = await registerUser(app)
    const bookId = await newBook(db, 2500)
    const response = await checkout(app, reader, [bookId], randomUUID())
    assert.equal(response.statusCode, 201, response.body)
    const { order, payment } = response.json()
    assert.equal(payment.provider, 'stripe')
    assert.match(payment.clientSecret, /^pi_fake_\d+_secret_fake$/)
    const intent = stripe.intents.get(payment.paymentId)!
    assert.deepEqual(
      [intent.amount, intent.currency, intent.metadata.victoria_order_id],
      [2500, 'usd', String(order.id)],
    )
    await pay(payment.paymentId)
    const entry = await app.inject({ url: `/api/me/library/${bookId}`, headers: reader.headers })
    assert.equal(entry.json().owned, true)
  })

  test('row 11: 50 concurrent checkouts with one Idempotency-Key → 1 PaymentIntent', async (t) => {
    const reader = await registerUser(app)
    const bookId = await newBook(db, 999)
    const key = randomUUID()
    const intentsBefore = stripe.counts.paymentIntents
    const first = await Promise.all(
      Array.from({ length: 50 }, () => checkout(app, reader, [bookId], key)),
    )
    const statuses = first.map((r) => r.statusCode)
    assert.ok(
      statuses.every((s) => s === 201 || s === 409),
      statuses.join(','),
    )
    // the 409s were "still running": the client retries them with the same key
    const retried = await Promise.all(
      first.map((r) => (r.statusCode === 409 ? checkout(app, reader, [bookId], key) : r)),
    )
    assert.deepEqual(
      retried.map((r) => r.statusCode),
      statuses.map(() => 201),
    )
    const bodies = new Set(retried.map((r) => JSON.stringify(r.json())))
    assert.equal(bodies.size, 1, 'every answer is the first one')
    const created = stripe.counts.paymentIntents - intentsBefore
    assert.equal(created, 1)
    assert.equal((await ordersOf(reader.id)).length, 1)
    await pay(retried[0]!.json().payment.paymentId)
    const charges = [...stripe.intents.values()].filter(
      (i) =>
        i.metadata.victoria_order_id === String(retried[0]!.json().order.id) &&
        i.amount_received > 0,
    ).length
    assert.equal(charges, 1)
    t.diagnostic(
      `row 11: 50 concurrent same-key checkouts (${statuses.filter((s) => s === 409).length} answered 409 and were retried) → PaymentIntents created: ${created}; charges: ${charges}`,
    )
  })

  test('row 12: 50 concurrent checkouts of one cart with 50 keys → 1 PaymentIntent', async (t) => {
    const reader = await registerUser(app)
    const [a, b] = [await newBook(db, 300), await newBook(db, 400)]
    const intentsBefore = stripe.counts.paymentIntents
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        checkout(app, reader, i % 2 ? [a, b] : [b, a], randomUUID()),
      ),
    )
    assert.deepEqual(
      answers.map((r) => r.statusCode),
      answers.map(() => 201),
    )
    const orderIds = new Set(answers.map((r) => r.json().order.id))
    const paymentIds = new Set(answers.map((r) => r.json().payment.paymentId))
    assert.equal(orderIds.size, 1)
    assert.equal(paymentIds.size, 1)
    const created = stripe.counts.paymentIntents - intentsBefore
    assert.equal(created, 1)
    t.diagnostic(
      `row 12: 50 concurrent checkouts, 50 different keys, one order → PaymentIntents created: ${created}`,
    )
  })

  test('row 13: Stripe commits then drops the connection; the SDK retries → 1 PaymentIntent', async (t) => {
    const reader = await registerUser(app)
    const bookId = await newBook(db, 1100)
    const intentsBefore = stripe.counts.paymentIntents
    stripe.failNext('commit-then-drop', 3)
    const response = await checkout(app, reader, [bookId], randomUUID())
    assert.equal(response.statusCode, 201, response.body)
    const created = stripe.counts.paymentIntents - intentsBefore
    assert.equal(created, 1)
    assert.equal(stripe.counts.dropped >= 3, true)
    t.diagnostic(
      `row 13: provider committed and dropped the connection 3 times (SDK retried with the same Stripe key) → PaymentIntents: ${created}`,
    )
  })

  test('row 13: drops outlast the SDK’s retries; the client retries 5 times → 1 charge', async (t) => {
    const {
      app: strict,
      db: strictDb,
      fake: strictFake,
    } = await buildPaymentsApp(t, 'stripe', { STRIPE_MAX_NETWORK_RETRIES: 0 })
    const reader = await registerUser(strict)
    const bookId = await newBook(strictDb, 1700)
    const key = randomUUID()
    // each checkout attempt: the call and the SDK's one retry of a closed connection are both
    // dropped after Stripe committed; four attempts fail, the client's fifth retry gets through
    strictFake!.failNext('commit-then-drop', 8)
    const statuses: number[] = []
    let response = await checkout(strict, reader, [bookId], key)
    statuses.push(response.statusCode)
    for (let retry = 0; retry < 5 && response.statusCode !== 201; retry++) {
      response = await checkout(strict, reader, [bookId], key)
      statuses.push(response.statusCode)
    }
    assert.equal(response.statusCode, 201, `${statuses.join(',')} ${response.body}`)
    assert.deepEqual(statuses.slice(0, 4), [503, 503, 503, 503])
    const { payment } = response.json()
    const captured = strictFake!.capture(payment.paymentId)
    assert.equal(
      (await sendWebhook(strict, JSON.stringify(captured), strict.payments.provider.webhookSecret))
        .statusCode,
      200,
    )
    const charges = [...strictFake!.intents.values()].filter((i) => i.amount_received > 0).length
    assert.equal(strictFake!.counts.paymentIntents, 1)
    assert.equal(charges, 1)
    t.diagnostic(
      `row 13: commit-then-drop ×8, client retries ${statuses.length - 1} times (answers ${statuses.join(', ')}) → PaymentIntents: ${strictFake!.counts.paymentIntents}; charges: ${charges}`,
    )
  })

  test('a 500 and a stall from Stripe are retried with the same key', async () => {
    const reader = await registerUser(app)
    const bookId = await newBook(db, 800)
    const intentsBefore = stripe.counts.paymentIntents
    stripe.failNext('500', 1)
    stripe.failNext('stall', 1)
    const response = await checkout(app, reader, [bookId], randomUUID())
    assert.equal(response.statusCode, 201, response.body)
    assert.equal(stripe.counts.paymentIntents - intentsBefore, 1)
  })

  test('a refund asked three times at once, one dropped after commit, is one refund', async () => {
    const admin = await registerAdmin(app, db)
    const reader = await registerUser(app)
    const bookId = await newBook(db, 1300)
    await app.inject({
      method: 'PUT',
      url: `/api/me/library/${bookId}`,
      headers: reader.headers,
      payload: { shelf: 'want_to_read' },
    })
    const { order, payment } = (await checkout(app, reader, [bookId], randomUUID())).json()
    await pay(payment.paymentId)
    const refundsBefore = stripe.counts.refunds
    stripe.failNext('commit-then-drop', 1)
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        app.inject({
          method: 'POST',
          url: `/api/admin/orders/${order.id}/refund`,
          headers: admin.headers,
        }),
      ),
    )
    assert.deepEqual(
      answers.map((a) => [a.statusCode, a.json().status]),
      [
        [200, 'refunded'],
        [200, 'refunded'],
        [200, 'refunded'],
      ],
    )
    assert.equal(stripe.counts.refunds - refundsBefore, 1)
    // the shelf the reader set stays; only ownership goes
    const entry = (
      await app.inject({ url: `/api/me/library/${bookId}`, headers: reader.headers })
    ).json()
    assert.deepEqual([entry.shelf, entry.owned], ['want_to_read', false])
  })

  test('reconciliation agrees with Stripe’s books, and finds a payment the orders missed', async (t) => {
    const report = await reconcile(db, app.payments.provider)
    assert.deepEqual(report.mismatches, [])
    assert.equal(report.paidCents, report.capturedCents)
    assert.equal(report.paidCents, stripe.capturedCents())
    t.diagnostic(
      `reconcile (stripe): Σ paid ${report.paidCents} = Σ captured ${report.capturedCents}; mismatches ${report.mismatches.length}`,
    )
    // money taken with no webhook seen: the order is still pending
    const reader = await registerUser(app)
    const { order, payment } = (
      await checkout(app, reader, [await newBook(db, 450)], randomUUID())
    ).json()
    stripe.capture(payment.paymentId)
    const after = await reconcile(db, app.payments.provider)
    assert.deepEqual(
      after.mismatches.map((m) => [m.kind, m.orderId]),
      [['captured-not-paid', order.id]],
    )
  })
})

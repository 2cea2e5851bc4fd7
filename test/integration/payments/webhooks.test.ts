import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { checkout, newBook, paymentTables } from '../orders/orders-support.ts'
import {
  buildPaymentsApp,
  type ProviderUnderTest,
  sendWebhook,
  shuffle,
} from './payments-support.ts'

/**
 * Webhooks (RELIABILITY.md row 14), on both providers: the same event ten times at once among
 * other events in shuffled order makes one transition; a stale (301 s) or tampered event, a
 * wrong secret or no signature is refused and records nothing.
 */

for (const provider of ['local', 'stripe'] as ProviderUnderTest[]) {
  describe(`webhooks, ${provider} provider`, async () => {
    const { app, db, fake, local } = await buildPaymentsApp(
      { after },
      provider,
      {},
      { manual: true },
    )
    const secret = app.payments.provider.webhookSecret

    /** A pending order and the signed-off event of its payment succeeding, not yet sent. */
    async function paidEvent() {
      const reader = await registerUser(app)
      const bookId = await newBook(db, 1500)
      const response = await checkout(app, reader, [bookId], randomUUID())
      assert.equal(response.statusCode, 201, response.body)
      const { order, payment } = response.json()
      let payload: string
      if (fake) {
        payload = JSON.stringify(fake.capture(payment.paymentId))
      } else {
        payload = (await local!.confirmPayment(payment.paymentId))!
      }
      return { reader, bookId, order, payment, payload }
    }

    const transitions = async (orderId: number) =>
      (
        await db
          .selectFrom('payment_events')
          .select('transition')
          .where('order_id', '=', orderId)
          .where('transition', 'is not', null)
          .execute()
      ).map((e) => e.transition)

    test('the same event ×10 at once, shuffled among others: one transition', async (t) => {
      const { reader, bookId, order, payment, payload } = await paidEvent()
      const object = {
        id: payment.paymentId,
        object: 'payment_intent',
        metadata: { victoria_order_id: String(order.id) },
      }
      const others = [
        'payment_intent.created',
        'payment_intent.processing',
        'charge.succeeded',
      ].map((type, i) =>
        JSON.stringify({
          id: `evt_other_${order.id}_${i}`,
          object: 'event',
          type,
          created: Math.floor(Date.now() / 1000),
          data: { object },
        }),
      )
      const deliveries = shuffle([...Array.from({ length: 10 }, () => payload), ...others])
      const answers = await Promise.all(deliveries.map((p) => sendWebhook(app, p, secret)))
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        deliveries.map(() => 200),
      )
      const copies = answers
        .filter((_, i) => deliveries[i] === payload)
        .map((a) => (a.json() as { duplicate: boolean }).duplicate)
      assert.equal(copies.filter((d) => !d).length, 1, 'one copy applied, nine duplicates')
      const made = await transitions(order.id)
      assert.deepEqual(made, ['pending->paid'])
      t.diagnostic(
        `row 14 (${provider}): same webhook ×10 concurrently + 3 others shuffled → state transitions: ${made.length}`,
      )
      const entry = await app.inject({ url: `/api/me/library/${bookId}`, headers: reader.headers })
      assert.equal(entry.json().owned, true)
    })

    test('stale (301 s), tampered, wrong-secret and unsigned events are refused and change nothing', async (t) => {
      const { order, payload } = await paidEvent()
      const before = await paymentTables(db)
      const now = Math.floor(Date.now() / 1000)
      const tampered = payload.replace('"amount_received":1500', '"amount_received":1')
      assert.notEqual(tampered, payload)
      const refused = [
        await sendWebhook(app, payload, secret, now - 301),
        await app.inject({
          method: 'POST',
          url: '/api/payments/webhook',
          headers: {
            'content-type': 'application/json',
            'stripe-signature': (
              await import('../../../src/modules/payments/webhook-signature.ts')
            ).signWebhook(payload, secret),
          },
          payload: tampered,
        }),
        await sendWebhook(app, payload, 'whsec_not_the_right_secret_at_all'),
        await app.inject({
          method: 'POST',
          url: '/api/payments/webhook',
          headers: { 'content-type': 'application/json' },
          payload,
        }),
        await sendWebhook(app, payload, secret, now + 600),
      ]
      for (const response of refused) assertProblem(response, 400, 'WEBHOOK_SIGNATURE_INVALID')
      assert.deepEqual(await paymentTables(db), before)
      const accepted = refused.filter((r) => r.statusCode < 300).length
      t.diagnostic(
        `row 14 (${provider}): stale (301 s), future (600 s), tampered, wrong secret, unsigned → accepted: ${accepted} of ${refused.length}`,
      )
      // the genuine event, 299 s old, is still inside the tolerance
      assert.equal((await sendWebhook(app, payload, secret, now - 299)).statusCode, 200)
      assert.deepEqual(await transitions(order.id), ['pending->paid'])
    })

    test('a signed body that is not an event is a 400 and records nothing', async () => {
      const before = await paymentTables(db)
      assertProblem(
        await sendWebhook(app, '{"hello":"world"}', secret),
        400,
        'WEBHOOK_PAYLOAD_INVALID',
      )
      assertProblem(await sendWebhook(app, 'not json', secret), 400, 'WEBHOOK_PAYLOAD_INVALID')
      assert.deepEqual(await paymentTables(db), before)
    })

    test('events out of order: a late success after a refund changes nothing', async () => {
      const { order, payload, payment } = await paidEvent()
      assert.equal((await sendWebhook(app, payload, secret)).statusCode, 200)
      const admin = await registerUser(app)
      await db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute()
      const refund = await app.inject({
        method: 'POST',
        url: `/api/admin/orders/${order.id}/refund`,
        headers: admin.headers,
      })
      assert.equal(refund.statusCode, 200, refund.body)
      assert.equal(refund.json().status, 'refunded')
      // Stripe may send the success again later, under a new event id
      const late = JSON.parse(payload)
      late.id = `${late.id}_late`
      assert.equal((await sendWebhook(app, JSON.stringify(late), secret)).statusCode, 200)
      const failed = { ...late, id: `${late.id}_failed`, type: 'payment_intent.payment_failed' }
      assert.equal((await sendWebhook(app, JSON.stringify(failed), secret)).statusCode, 200)
      const stored = await db
        .selectFrom('orders')
        .select(['status', 'provider_payment_id'])
        .where('id', '=', order.id)
        .executeTakeFirstOrThrow()
      assert.deepEqual(stored, { status: 'refunded', provider_payment_id: payment.paymentId })
      // the refund itself moved the order (admin route); no event moved it again
      assert.deepEqual(await transitions(order.id), ['pending->paid'])
    })

    test('a failed payment fails the order, and a later success cannot revive it', async () => {
      const { order, payload } = await paidEvent()
      const failed = {
        ...JSON.parse(payload),
        id: `evt_failed_${order.id}`,
        type: 'payment_intent.payment_failed',
      }
      assert.equal((await sendWebhook(app, JSON.stringify(failed), secret)).statusCode, 200)
      assert.equal((await sendWebhook(app, payload, secret)).statusCode, 200)
      const stored = await db
        .selectFrom('orders')
        .select('status')
        .where('id', '=', order.id)
        .executeTakeFirstOrThrow()
      assert.equal(stored.status, 'failed')
      assert.deepEqual(await transitions(order.id), ['pending->failed'])
    })
  })
}

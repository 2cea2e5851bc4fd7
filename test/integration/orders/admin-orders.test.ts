import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { registerAdmin } from '../security/principals.ts'
import { checkout, newBook, paymentTables, settle } from './orders-support.ts'

const { app, db } = await buildTestApp({ after })
const admin = await registerAdmin(app, db)

test('admins list every order with filters, and page through them', async () => {
  const [a, b] = [await registerUser(app), await registerUser(app)]
  for (const reader of [a, a, b]) await checkout(app, reader, [await newBook(db)], randomUUID())
  await settle(app)
  const all = await app.inject({ url: '/api/admin/orders?limit=2', headers: admin.headers })
  assert.equal(all.statusCode, 200, all.body)
  assert.equal(all.json().items.length, 2)
  assert.ok(all.json().nextCursor)
  const next = await app.inject({
    url: `/api/admin/orders?limit=2&cursor=${all.json().nextCursor}`,
    headers: admin.headers,
  })
  assert.ok(next.json().items.every((o: { id: number }) => o.id < all.json().items[1].id))
  const mine = await app.inject({
    url: `/api/admin/orders?userId=${a.id}&status=paid`,
    headers: admin.headers,
  })
  assert.equal(mine.json().total, 2)
  assert.ok(
    mine
      .json()
      .items.every(
        (o: { userId: number; status: string }) => o.userId === a.id && o.status === 'paid',
      ),
  )
  const none = await app.inject({
    url: '/api/admin/orders?status=refunded&provider=stripe',
    headers: admin.headers,
  })
  assert.equal(none.json().total, 0)
  assertProblem(
    await app.inject({ url: '/api/admin/orders?status=lost', headers: admin.headers }),
    400,
    'VALIDATION_FAILED',
  )
  assertProblem(
    await app.inject({ url: '/api/admin/orders', headers: a.headers }),
    403,
    'FORBIDDEN',
  )
  const own = await app.inject({ url: '/api/orders', headers: a.headers })
  assert.equal(own.json().total, 2)
})

test('a refund of an unpaid order is a 409 and changes nothing', async () => {
  const reader = await registerUser(app)
  const provider = app.payments.provider as { autoConfirm?: boolean }
  provider.autoConfirm = false
  const { order } = (await checkout(app, reader, [await newBook(db)], randomUUID())).json()
  provider.autoConfirm = true
  const before = await paymentTables(db)
  assertProblem(
    await app.inject({
      method: 'POST',
      url: `/api/admin/orders/${order.id}/refund`,
      headers: admin.headers,
    }),
    409,
    'ORDER_NOT_REFUNDABLE',
  )
  assertProblem(
    await app.inject({
      method: 'POST',
      url: '/api/admin/orders/999999/refund',
      headers: admin.headers,
    }),
    404,
    'ORDER_NOT_FOUND',
  )
  assert.deepEqual(await paymentTables(db), before)
  const stored = await db
    .selectFrom('orders')
    .select(['status', 'refund_requested_at'])
    .where('id', '=', order.id)
    .executeTakeFirstOrThrow()
  assert.deepEqual(stored, { status: 'pending', refund_requested_at: null })
})

test('a refund on the local provider: once at the provider, ownership revoked', async () => {
  const reader = await registerUser(app)
  const [kept, dropped] = [await newBook(db, 400), await newBook(db, 600)]
  await app.inject({
    method: 'PUT',
    url: `/api/me/library/${kept}`,
    headers: reader.headers,
    payload: { shelf: 'read' },
  })
  const { order } = (await checkout(app, reader, [kept, dropped], randomUUID())).json()
  await settle(app)
  const refunds = await Promise.all(
    [1, 2].map(() =>
      app.inject({
        method: 'POST',
        url: `/api/admin/orders/${order.id}/refund`,
        headers: admin.headers,
      }),
    ),
  )
  for (const r of refunds) {
    assert.equal(r.statusCode, 200, r.body)
    assert.equal(r.json().status, 'refunded')
  }
  await settle(app)
  const ledger = await db
    .selectFrom('local_payment_intents')
    .select(['amount_received', 'amount_refunded', 'refund_id'])
    .where('order_id', '=', order.id)
    .execute()
  assert.equal(ledger.length, 1)
  assert.deepEqual([ledger[0]!.amount_received, ledger[0]!.amount_refunded], [1000, 1000])
  assert.equal(refunds[0]!.json().refundId, ledger[0]!.refund_id)
  const shelved = (
    await app.inject({ url: `/api/me/library/${kept}`, headers: reader.headers })
  ).json()
  assert.deepEqual([shelved.shelf, shelved.owned], ['read', false])
  assertProblem(
    await app.inject({ url: `/api/me/library/${dropped}`, headers: reader.headers }),
    404,
    'LIBRARY_ENTRY_NOT_FOUND',
  )
  // and the reader may buy the books again
  assert.equal((await checkout(app, reader, [kept, dropped], randomUUID())).statusCode, 201)
  await settle(app)
})

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { App } from '../../../src/app.ts'
import type { DB } from '../../../src/db/types.ts'
import { LocalProvider } from '../../../src/modules/payments/local-provider.ts'
import { insertBookWithAuthor } from '../../helpers/catalog.ts'
import type { TestUser } from '../../helpers/users.ts'
import { fakeOf, sendWebhook } from '../payments/payments-support.ts'

let books = 0

/** A book at a price, with an author of its own. */
export function newBook(db: Kysely<DB>, priceCents = 1299, title?: string) {
  books++
  const tag = `${process.pid}-${books}-${randomUUID().slice(0, 6)}`
  return insertBookWithAuthor(
    db,
    { title: title ?? `Book ${tag}`, priceCents },
    { name: `Author ${tag}`, slug: `author-${tag}` },
  )
}

export function checkout(app: App, user: TestUser, bookIds: number[], key?: string) {
  return app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { ...user.headers, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: { items: bookIds.map((bookId) => ({ bookId })) },
  })
}

/**
 * Every payment under way completes: the local provider finishes its deliveries; on Stripe the
 * customer pays each open PaymentIntent at the fake and Stripe's webhook arrives.
 */
export async function settle(app: App) {
  const provider = app.payments.provider
  if (provider instanceof LocalProvider) return provider.drain()
  const fake = fakeOf.get(app)
  if (!fake) return
  for (const intent of [...fake.intents.values()]) {
    if (intent.status === 'succeeded') continue
    const event = JSON.stringify(fake.capture(intent.id))
    const response = await sendWebhook(app, event, provider.webhookSecret)
    assert.equal(response.statusCode, 200, response.body)
  }
}

/** Rows of every table checkout writes, to show a refused request changed nothing. */
export async function paymentTables(db: Kysely<DB>) {
  const [orders, items, keys, events, ledger, library] = await Promise.all(
    [
      'orders',
      'order_items',
      'idempotency_keys',
      'payment_events',
      'local_payment_intents',
      'library_entries',
    ].map(
      async (table) =>
        (
          await db
            .selectFrom(table as 'orders')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
    ),
  )
  return { orders, items, keys, events, ledger, library }
}

export async function orderStatus(db: Kysely<DB>, id: number) {
  const row = await db.selectFrom('orders').select('status').where('id', '=', id).executeTakeFirst()
  assert.ok(row, `order ${id} exists`)
  return row.status
}

import { type Kysely, sql } from 'kysely'
import { jsonArrayFrom } from 'kysely/helpers/postgres'
import type { DB, OrderProvider, OrderStatus } from '../../db/types.ts'

/** SQL for orders and their items, and the purchase side of library ownership. */

export interface OrderFilters {
  userId?: number
  status?: OrderStatus
  provider?: OrderProvider
  createdFrom?: string
  createdTo?: string
}

export interface NewOrder {
  userId: number
  cartKey: string
  totalCents: number
  currency: string
  provider: OrderProvider
  status: 'pending' | 'paid'
  items: { bookId: number; title: string; priceCents: number; currency: string }[]
}

const STATUS_TIMESTAMP: Partial<Record<OrderStatus, string>> = {
  paid: 'paid_at',
  failed: 'failed_at',
  cancelled: 'cancelled_at',
  refunded: 'refunded_at',
}

export class OrdersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private select() {
    return this.db
      .selectFrom('orders as o')
      .selectAll('o')
      .select((eb) =>
        jsonArrayFrom(
          eb
            .selectFrom('order_items as oi')
            .select(['oi.book_id', 'oi.title', 'oi.price_cents', 'oi.currency'])
            .whereRef('oi.order_id', '=', 'o.id')
            .orderBy('oi.position'),
        ).as('items'),
      )
  }

  findById(id: number, userId?: number) {
    let query = this.select().where('o.id', '=', id)
    if (userId !== undefined) query = query.where('o.user_id', '=', userId)
    return query.executeTakeFirst()
  }

  findPage(filters: OrderFilters, limit: number, afterId?: number) {
    let query = this.select()
    query = applyFilters(query, filters)
    if (afterId !== undefined) query = query.where('o.id', '<', afterId)
    return query
      .orderBy('o.id', 'desc')
      .limit(limit + 1)
      .execute()
  }

  async count(filters: OrderFilters): Promise<number> {
    const query = applyFilters(
      this.db.selectFrom('orders as o').select(sql<number>`count(*)::int`.as('total')),
      filters,
    )
    return (await query.executeTakeFirstOrThrow()).total
  }

  findBooks(ids: number[]) {
    return this.db
      .selectFrom('books')
      .select(['id', 'title', 'price_cents', 'currency'])
      .where('id', 'in', ids)
      .execute()
  }

  /** The books of `ids` the reader owns already. */
  findOwned(userId: number, ids: number[]) {
    return this.db
      .selectFrom('library_entries as le')
      .innerJoin('books as b', 'b.id', 'le.book_id')
      .select(['b.id', 'b.title'])
      .where('le.user_id', '=', userId)
      .where('le.owned', '=', true)
      .where('le.book_id', 'in', ids)
      .orderBy('b.id')
      .execute()
  }

  /**
   * Inserts the order unless the reader has a pending order for the same cart, and returns the
   * one that stands. The partial unique index makes concurrent checkouts of one cart wait for
   * each other and agree on one order, whatever Idempotency-Keys they carry.
   */
  async insertOrFindPending(order: NewOrder): Promise<{ id: number; created: boolean }> {
    const inserted = await sql<{ id: number }>`
      INSERT INTO orders (user_id, cart_key, total_cents, currency, provider, status, paid_at)
      VALUES (${order.userId}, ${order.cartKey}, ${order.totalCents}, ${order.currency},
              ${order.provider}, ${order.status},
              ${order.status === 'paid' ? sql`now()` : sql`NULL`})
      ON CONFLICT (user_id, cart_key) WHERE status = 'pending' DO NOTHING
      RETURNING id`.execute(this.db)
    const row = inserted.rows[0]
    if (row) {
      await this.db
        .insertInto('order_items')
        .values(
          order.items.map((item, i) => ({
            order_id: row.id,
            position: i + 1,
            book_id: item.bookId,
            title: item.title,
            price_cents: item.priceCents,
            currency: item.currency,
          })),
        )
        .execute()
      return { id: row.id, created: true }
    }
    const existing = await this.db
      .selectFrom('orders')
      .select('id')
      .where('user_id', '=', order.userId)
      .where('cart_key', '=', order.cartKey)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow()
    return { id: existing.id, created: false }
  }

  /** Records the order's PaymentIntent; a second, different one is refused by the trigger. */
  async attachPayment(orderId: number, paymentId: string) {
    await this.db
      .updateTable('orders')
      .set({ provider_payment_id: paymentId })
      .where('id', '=', orderId)
      .where('provider_payment_id', 'is', null)
      .execute()
  }

  lockById(id: number) {
    return this.db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()
  }

  lockByPayment(paymentId: string) {
    return this.db
      .selectFrom('orders')
      .selectAll()
      .where('provider_payment_id', '=', paymentId)
      .forUpdate()
      .executeTakeFirst()
  }

  async setStatus(id: number, status: OrderStatus, refundId?: string) {
    const column = STATUS_TIMESTAMP[status]
    await sql`
      UPDATE orders SET status = ${status}
        ${column ? sql`, ${sql.ref(column)} = now()` : sql``}
        ${refundId ? sql`, provider_refund_id = ${refundId}` : sql``}
      WHERE id = ${id}`.execute(this.db)
  }

  async markRefundRequested(id: number) {
    await this.db
      .updateTable('orders')
      .set({ refund_requested_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('refund_requested_at', 'is', null)
      .execute()
  }

  /**
   * The purchase hook of 0003_reviews_library.sql: every book of the order becomes owned in the
   * buyer's library, unshelved unless the reader had shelved it.
   */
  async grantOwnership(orderId: number) {
    await sql`
      INSERT INTO library_entries AS le (user_id, book_id, owned)
      SELECT o.user_id, oi.book_id, true
      FROM orders o JOIN order_items oi ON oi.order_id = o.id
      WHERE o.id = ${orderId} AND o.user_id IS NOT NULL AND oi.book_id IS NOT NULL
      ON CONFLICT (user_id, book_id) DO UPDATE SET owned = true, updated_at = now()`.execute(
      this.db,
    )
  }

  /**
   * A refund takes the order's books back out of ownership, unless another paid order bought
   * them too. A shelf the reader set stays (the entry loses only `owned`); an entry that existed
   * only because of the purchase goes.
   */
  async revokeOwnership(orderId: number) {
    const still = sql`
      o.user_id IS NOT NULL AND le.user_id = o.user_id AND le.book_id = oi.book_id
      AND NOT EXISTS (
        SELECT 1 FROM orders o2 JOIN order_items oi2 ON oi2.order_id = o2.id
        WHERE o2.user_id = o.user_id AND o2.status = 'paid' AND o2.id <> o.id
          AND oi2.book_id = oi.book_id)`
    await sql`
      UPDATE library_entries le SET owned = false, updated_at = now()
      FROM orders o JOIN order_items oi ON oi.order_id = o.id
      WHERE o.id = ${orderId} AND le.shelf IS NOT NULL AND ${still}`.execute(this.db)
    await sql`
      DELETE FROM library_entries le
      USING orders o JOIN order_items oi ON oi.order_id = o.id
      WHERE o.id = ${orderId} AND le.shelf IS NULL AND ${still}`.execute(this.db)
  }
}

// biome-ignore lint/suspicious/noExplicitAny: both query builders share these where clauses
function applyFilters<Q extends { where: (...args: any[]) => any }>(query: Q, f: OrderFilters): Q {
  let q = query
  if (f.userId !== undefined) q = q.where('o.user_id', '=', f.userId)
  if (f.status !== undefined) q = q.where('o.status', '=', f.status)
  if (f.provider !== undefined) q = q.where('o.provider', '=', f.provider)
  if (f.createdFrom !== undefined) q = q.where('o.created_at', '>=', new Date(f.createdFrom))
  if (f.createdTo !== undefined) q = q.where('o.created_at', '<', new Date(f.createdTo))
  return q
}

export type OrderRow = NonNullable<Awaited<ReturnType<OrdersRepository['findById']>>>

import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB, OrderStatus } from '../../db/types.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { BookNotFound } from '../catalog/catalog.errors.ts'
import { PaymentProviderUnavailable } from '../payments/payments.errors.ts'
import type { OrderForPayment, PaymentProvider } from '../payments/provider.ts'
import { isProviderUnavailable } from '../payments/stripe-provider.ts'
import { IdempotencyRepository } from './idempotency.repository.ts'
import {
  BookAlreadyOwned,
  DuplicateItems,
  IdempotencyKeyInUse,
  IdempotencyKeyInvalid,
  IdempotencyKeyMissing,
  IdempotencyKeyReused,
  MixedCurrencies,
  OrderNotFound,
  OrderNotRefundable,
} from './orders.errors.ts'
import { toAdminOrder, toOrder } from './orders.mappers.ts'
import { type OrderFilters, type OrderRow, OrdersRepository } from './orders.repository.ts'
import {
  type AdminOrderListQuery,
  type Checkout,
  type CreateOrderBody,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  type OrderListQuery,
} from './orders.schemas.ts'

export interface OrdersSettings {
  idempotencyTtlHours: number
  idempotencyLockSeconds: number
}

export interface CheckoutAnswer {
  status: number
  body: Checkout
  replayed: boolean
  /** the buyer's library changed (a free order): their cached pages must go */
  ownershipChanged: boolean
}

/** What a provider's webhook event means for an order, whichever provider sent it. */
export interface PaymentOutcome {
  target: Extract<OrderStatus, 'paid' | 'failed' | 'cancelled' | 'refunded'>
  paymentId: string
  /** metadata.victoria_order_id, for an event that arrives before the checkout recorded it */
  orderIdHint: number | null
  provider: 'local' | 'stripe'
  amountReceived?: number
  currency?: string
}

export interface AppliedOutcome {
  orderId: number | null
  userId: number | null
  /** 'pending->paid', or null when the event changed nothing */
  transition: string | null
}

/** Transitions the database allows (0006_orders_payments.sql); anything else is a no-op here. */
const ALLOWED: Record<OrderStatus, OrderStatus[]> = {
  pending: ['paid', 'failed', 'cancelled'],
  paid: ['refunded'],
  failed: [],
  cancelled: [],
  refunded: [],
}

/** Step 1's outcome: an answer already (replay, free order), or an order to pay, key held. */
type Started = { answer: CheckoutAnswer } | { lockToken: string; orderId: number }

const VISIBLE_ASCII = /^[\x21-\x7e]+$/
const SORT = 'id'

const forPayment = (
  row: Pick<OrderRow, 'id' | 'total_cents' | 'currency' | 'provider_key' | 'user_id'>,
): OrderForPayment => ({
  id: row.id,
  amountCents: row.total_cents,
  currency: row.currency,
  providerKey: row.provider_key,
  userId: row.user_id,
})

function providerError(error: unknown): unknown {
  return isProviderUnavailable(error) ||
    (error as { type?: unknown })?.type?.toString().startsWith('Stripe')
    ? new PaymentProviderUnavailable()
    : error
}

/**
 * Checkout, the buyer's and the admin's views of orders, refunds, and what payment events do
 * to an order. Money moves in three steps, each safe to repeat: (1) one transaction claims the
 * Idempotency-Key and creates the order; (2) the provider creates the PaymentIntent under a key
 * derived from the order; (3) one transaction records it and stores the answer. A retry after
 * a failure in any step resumes from the order the key points at.
 */
export class OrdersService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly provider: PaymentProvider,
    private readonly settings: OrdersSettings,
  ) {}

  async checkout(
    userId: number,
    key: string | undefined,
    body: CreateOrderBody,
  ): Promise<CheckoutAnswer> {
    if (key === undefined || key === '') throw new IdempotencyKeyMissing()
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !VISIBLE_ASCII.test(key)) {
      throw new IdempotencyKeyInvalid()
    }
    const bookIds = body.items.map((item) => item.bookId)
    const duplicate = bookIds.find((id, i) => bookIds.indexOf(id) !== i)
    if (duplicate !== undefined) throw new DuplicateItems(duplicate)
    const hash = createHash('sha256')
      .update(JSON.stringify(['POST', '/api/orders', bookIds]))
      .digest('hex')

    const started = await this.db.transaction().execute(async (trx): Promise<Started> => {
      const keys = new IdempotencyRepository(trx)
      const claim = await keys.claim({
        userId,
        key,
        method: 'POST',
        path: '/api/orders',
        hash,
        ttlHours: this.settings.idempotencyTtlHours,
        lockSeconds: this.settings.idempotencyLockSeconds,
      })
      if (claim.kind === 'replay') {
        const answer: CheckoutAnswer = {
          status: claim.status,
          body: claim.body as Checkout,
          replayed: true,
          ownershipChanged: false,
        }
        return { answer }
      }
      if (claim.kind === 'mismatch') throw new IdempotencyKeyReused()
      if (claim.kind === 'in-use') throw new IdempotencyKeyInUse()
      if (claim.kind === 'resume' && claim.orderId !== null) {
        return { lockToken: claim.lockToken, orderId: claim.orderId }
      }
      return this.createOrder(trx, userId, key, claim.lockToken, bookIds)
    })
    if (!('lockToken' in started)) {
      // a replay of a checkout whose payment never completed (the process stopped right after
      // answering) nudges the local provider again; completing is idempotent
      const { order, payment } = started.answer.body
      if (order.status === 'pending' && payment.paymentId) {
        this.provider.afterCheckout?.(payment.paymentId)
      }
      return started.answer
    }
    const { lockToken, orderId } = started
    try {
      return await this.pay(userId, key, lockToken, orderId)
    } catch (error) {
      // let go of the key so the client's retry resumes at once instead of waiting out the lease
      await new IdempotencyRepository(this.db).release(userId, key, lockToken).catch(() => {})
      throw providerError(error)
    }
  }

  private async createOrder(
    trx: Kysely<DB>,
    userId: number,
    key: string,
    lockToken: string,
    bookIds: number[],
  ): Promise<Started> {
    const orders = new OrdersRepository(trx)
    const books = new Map((await orders.findBooks(bookIds)).map((b) => [b.id, b]))
    const missing = bookIds.find((id) => !books.has(id))
    if (missing !== undefined) throw new BookNotFound(`id ${missing}`)
    const currencies = [...new Set([...books.values()].map((b) => b.currency))]
    if (currencies.length > 1) throw new MixedCurrencies(currencies.join(', '))
    const [owned] = await orders.findOwned(userId, bookIds)
    if (owned) throw new BookAlreadyOwned(`“${owned.title}” (book ${owned.id})`)
    const items = bookIds.map((id) => {
      const book = books.get(id)!
      return {
        bookId: id,
        title: book.title,
        priceCents: book.price_cents,
        currency: book.currency,
      }
    })
    const totalCents = items.reduce((sum, item) => sum + item.priceCents, 0)
    const free = totalCents === 0
    const { id } = await orders.insertOrFindPending({
      userId,
      cartKey: [...bookIds].sort((a, b) => a - b).join(','),
      totalCents,
      currency: currencies[0]!,
      provider: free ? 'none' : this.provider.name,
      status: free ? 'paid' : 'pending',
      items,
    })
    const keys = new IdempotencyRepository(trx)
    await keys.setOrder(userId, key, id)
    if (!free) return { lockToken, orderId: id }
    // nothing to charge: the books are the reader's at once, in this transaction
    await orders.grantOwnership(id)
    const row = (await orders.findById(id))!
    const body: Checkout = {
      order: toOrder(row),
      payment: { provider: 'none', paymentId: null, clientSecret: null },
    }
    await keys.complete(userId, key, lockToken, 201, body)
    return { answer: { status: 201, body, replayed: false, ownershipChanged: true } }
  }

  private async pay(
    userId: number,
    key: string,
    lockToken: string,
    orderId: number,
  ): Promise<CheckoutAnswer> {
    const order = await new OrdersRepository(this.db).findById(orderId)
    if (!order) throw new OrderNotFound(orderId)
    const payment = await this.provider.createPayment(forPayment(order), order.provider_payment_id)
    const answer = await this.db.transaction().execute(async (trx) => {
      const orders = new OrdersRepository(trx)
      const keys = new IdempotencyRepository(trx)
      await orders.attachPayment(orderId, payment.id)
      const row = (await orders.findById(orderId))!
      const body: Checkout = {
        order: toOrder(row),
        payment: {
          provider: this.provider.name,
          paymentId: payment.id,
          clientSecret: payment.clientSecret,
        },
      }
      if (await keys.complete(userId, key, lockToken, 201, body)) {
        return { status: 201, body, replayed: false, ownershipChanged: false }
      }
      // our lease ran out and another attempt finished first: its answer is the answer
      const stored = await keys.findAnswer(userId, key)
      if (stored?.response_status == null) throw new IdempotencyKeyInUse()
      return {
        status: stored.response_status,
        body: stored.response_body as Checkout,
        replayed: true,
        ownershipChanged: false,
      }
    })
    if (answer.body.order.status === 'pending') this.provider.afterCheckout?.(payment.id)
    return answer
  }

  async get(userId: number, id: number) {
    const row = await new OrdersRepository(this.db).findById(id, userId)
    if (!row) throw new OrderNotFound(id)
    return toOrder(row)
  }

  async getForAdmin(id: number) {
    const row = await new OrdersRepository(this.db).findById(id)
    if (!row) throw new OrderNotFound(id)
    return toAdminOrder(row)
  }

  list(userId: number, query: OrderListQuery) {
    return this.page({ userId, status: query.status }, query.limit, query.cursor, toOrder)
  }

  listForAdmin(query: AdminOrderListQuery) {
    const { limit, cursor, ...filters } = query
    return this.page(filters, limit, cursor, toAdminOrder)
  }

  private async page<T>(
    filters: OrderFilters,
    limit: number,
    cursor: string | undefined,
    map: (row: OrderRow) => T,
  ) {
    const afterId = cursor ? decodeCursor(cursor, SORT).id : undefined
    const repo = new OrdersRepository(this.db)
    const [rows, total] = await Promise.all([
      repo.findPage(filters, limit, afterId),
      repo.count(filters),
    ])
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    const nextCursor =
      rows.length > limit && last ? encodeCursor({ sort: SORT, value: last.id, id: last.id }) : null
    return { items: page.map(map), nextCursor, total }
  }

  /**
   * Refunds a paid order: the provider's refund is requested under a key derived from the order
   * (so repeating this, or two admins at once, refunds once), then the order moves to refunded
   * and its books leave the buyer's library in one transaction.
   */
  async refund(id: number) {
    const repo = new OrdersRepository(this.db)
    const row = await repo.findById(id)
    if (!row) throw new OrderNotFound(id)
    if (row.status === 'refunded') return { order: toAdminOrder(row), userId: row.user_id }
    if (row.status !== 'paid') throw new OrderNotRefundable(id, row.status)
    let refundId: string | undefined
    if (row.provider !== 'none' && row.provider_payment_id) {
      await repo.markRefundRequested(id)
      try {
        refundId = (await this.provider.refund(forPayment(row), row.provider_payment_id)).id
      } catch (error) {
        throw providerError(error)
      }
    }
    await this.db.transaction().execute(async (trx) => {
      const orders = new OrdersRepository(trx)
      const locked = await orders.lockById(id)
      if (locked?.status !== 'paid') return
      await orders.setStatus(id, 'refunded', refundId)
      await orders.revokeOwnership(id)
    })
    return { order: toAdminOrder((await repo.findById(id))!), userId: row.user_id }
  }

  /**
   * Applies a payment event inside the caller's transaction (the one that records the event's
   * id). Only forward moves happen: a late or repeated event finds the order past it and
   * changes nothing.
   */
  async applyPaymentOutcome(trx: Kysely<DB>, outcome: PaymentOutcome): Promise<AppliedOutcome> {
    const orders = new OrdersRepository(trx)
    let order = await orders.lockByPayment(outcome.paymentId)
    if (!order && outcome.orderIdHint !== null) {
      // the event overtook the checkout's last step: the order is found by its metadata
      const hinted = await orders.lockById(outcome.orderIdHint)
      if (hinted && hinted.provider === outcome.provider && hinted.provider_payment_id === null) {
        await orders.attachPayment(hinted.id, outcome.paymentId)
        order = { ...hinted, provider_payment_id: outcome.paymentId }
      }
    }
    if (!order) return { orderId: null, userId: null, transition: null }
    const noop = { orderId: order.id, userId: order.user_id, transition: null }
    if (!ALLOWED[order.status].includes(outcome.target)) return noop
    if (outcome.target === 'paid') {
      // a payment for another amount does not settle this order; reconciliation reports it
      if (
        outcome.amountReceived !== order.total_cents ||
        outcome.currency?.toUpperCase() !== order.currency
      ) {
        return noop
      }
    }
    await orders.setStatus(order.id, outcome.target)
    if (outcome.target === 'paid') await orders.grantOwnership(order.id)
    if (outcome.target === 'refunded') await orders.revokeOwnership(order.id)
    return { ...noop, transition: `${order.status}->${outcome.target}` }
  }
}

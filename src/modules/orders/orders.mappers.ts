import type { OrderRow } from './orders.repository.ts'
import type { AdminOrder, Order } from './orders.schemas.ts'

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString())

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    status: row.status,
    items: row.items.map((item) => ({
      bookId: item.book_id,
      title: item.title,
      priceCents: item.price_cents,
      currency: item.currency,
    })),
    totalCents: row.total_cents,
    currency: row.currency,
    provider: row.provider,
    paymentId: row.provider_payment_id,
    createdAt: iso(row.created_at)!,
    paidAt: iso(row.paid_at),
    refundedAt: iso(row.refunded_at),
  }
}

export function toAdminOrder(row: OrderRow): AdminOrder {
  return {
    ...toOrder(row),
    userId: row.user_id,
    refundId: row.provider_refund_id,
    failedAt: iso(row.failed_at),
    cancelledAt: iso(row.cancelled_at),
  }
}

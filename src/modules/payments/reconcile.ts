import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import type { PaymentProvider, ProviderPayment } from './provider.ts'

export type MismatchKind =
  /** the provider holds the money, the order does not say paid */
  | 'captured-not-paid'
  /** the order says paid, the provider holds no such money */
  | 'paid-not-captured'
  | 'amount-differs'
  /** the order says refunded, the provider still holds the money (or the reverse) */
  | 'refund-differs'
  /** the order names a payment the provider does not know */
  | 'payment-missing'
  /** money captured for an order by a payment the order does not name */
  | 'duplicate-charge'

export interface Mismatch {
  kind: MismatchKind
  orderId: number | null
  paymentId: string | null
  detail: string
}

export interface ReconciliationReport {
  provider: string
  ordersChecked: number
  providerPayments: number
  /** Σ total of orders in state paid */
  paidCents: number
  /** Σ (received − refunded) over the provider's payments for this installation */
  capturedCents: number
  duplicateCharges: number
  mismatches: Mismatch[]
}

const net = (p: ProviderPayment) => p.amountReceived - p.amountRefunded

/**
 * Compares every order with the provider's own records of this installation's payments and
 * reports where they disagree. Read-only: a mismatch is for a person (or a re-sent webhook) to
 * settle, since the fix depends on which side is wrong.
 */
export async function reconcile(
  db: Kysely<DB>,
  provider: PaymentProvider,
): Promise<ReconciliationReport> {
  const orders = await db
    .selectFrom('orders')
    .select(['id', 'status', 'total_cents', 'currency', 'provider', 'provider_payment_id'])
    .where('provider', '=', provider.name)
    .orderBy('id')
    .execute()
  const payments = new Map<string, ProviderPayment>()
  for await (const payment of provider.listPayments()) payments.set(payment.id, payment)

  const mismatches: Mismatch[] = []
  const add = (
    kind: MismatchKind,
    orderId: number | null,
    paymentId: string | null,
    detail: string,
  ) => mismatches.push({ kind, orderId, paymentId, detail })
  let paidCents = 0
  const named = new Set<string>()

  for (const order of orders) {
    if (order.status === 'paid') paidCents += order.total_cents
    const paymentId = order.provider_payment_id
    if (paymentId) named.add(paymentId)
    const payment = paymentId
      ? (payments.get(paymentId) ?? (await provider.retrievePayment(paymentId)))
      : undefined
    if (paymentId && !payment) {
      add('payment-missing', order.id, paymentId, `order is ${order.status}`)
      continue
    }
    const held = payment ? net(payment) : 0
    switch (order.status) {
      case 'paid':
        if (!payment || payment.amountReceived === 0) {
          add('paid-not-captured', order.id, paymentId, `order paid, provider received nothing`)
        } else if (payment.amountReceived !== order.total_cents) {
          add(
            'amount-differs',
            order.id,
            paymentId,
            `order ${order.total_cents}, received ${payment.amountReceived}`,
          )
        } else if (held !== order.total_cents) {
          add(
            'refund-differs',
            order.id,
            paymentId,
            `order paid, provider refunded ${payment.amountRefunded}`,
          )
        }
        break
      case 'refunded':
        if (held !== 0)
          add('refund-differs', order.id, paymentId, `order refunded, provider holds ${held}`)
        break
      default:
        if (held !== 0)
          add(
            'captured-not-paid',
            order.id,
            paymentId,
            `order ${order.status}, provider holds ${held}`,
          )
    }
  }

  // money the provider took for an order through a payment the order does not name
  let duplicateCharges = 0
  for (const payment of payments.values()) {
    if (named.has(payment.id) || payment.amountReceived === 0) continue
    duplicateCharges++
    add('duplicate-charge', payment.orderId, payment.id, `received ${payment.amountReceived}`)
  }
  let capturedCents = 0
  for (const payment of payments.values()) capturedCents += net(payment)

  return {
    provider: provider.name,
    ordersChecked: orders.length,
    providerPayments: payments.size,
    paidCents,
    capturedCents,
    duplicateCharges,
    mismatches,
  }
}

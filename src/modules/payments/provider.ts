/**
 * What Victoria needs of a payment provider. Both implementations (Stripe's PaymentIntents and
 * the embedded local provider) are idempotent per order: the keys they send or store derive
 * from the order's `providerKey`, so however often a checkout or refund is retried, the
 * provider creates one PaymentIntent and one refund per order.
 */

export type ProviderName = 'local' | 'stripe'

export interface OrderForPayment {
  id: number
  amountCents: number
  /** ISO 4217, upper case */
  currency: string
  /** the order's random key stem (orders.provider_key) */
  providerKey: string
  userId: number | null
}

export interface CreatedPayment {
  id: string
  /** for the front end (Stripe.js confirmCardPayment); the local provider makes one too */
  clientSecret: string
}

/** The provider's own record of a payment, as reconciliation compares it. */
export interface ProviderPayment {
  id: string
  status: string
  amount: number
  amountReceived: number
  amountRefunded: number
  currency: string
  /** metadata.victoria_order_id */
  orderId: number | null
}

export interface PaymentProvider {
  readonly name: ProviderName
  /** the secret that signs this provider's webhook events */
  readonly webhookSecret: string
  /** creates the order's PaymentIntent, or finds the one it already has */
  createPayment(order: OrderForPayment, existingPaymentId: string | null): Promise<CreatedPayment>
  /** refunds the whole payment; called again for the same order, returns the same refund */
  refund(order: OrderForPayment, paymentId: string): Promise<{ id: string }>
  retrievePayment(paymentId: string): Promise<ProviderPayment | null>
  /** every payment the provider holds for this installation, for reconciliation */
  listPayments(): AsyncIterable<ProviderPayment>
  /** after the checkout committed: the local provider completes the payment in-process */
  afterCheckout?(paymentId: string): void
  close?(): Promise<void>
}

export const paymentIdempotencyKey = (providerKey: string) => `victoria-order-${providerKey}`
export const refundIdempotencyKey = (providerKey: string) => `victoria-refund-${providerKey}`

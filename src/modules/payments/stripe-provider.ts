import Stripe from 'stripe'
import {
  type CreatedPayment,
  type OrderForPayment,
  type PaymentProvider,
  type ProviderPayment,
  paymentIdempotencyKey,
  refundIdempotencyKey,
} from './provider.ts'

export interface StripeProviderOptions {
  secretKey: string
  webhookSecret: string
  host?: string
  port?: number
  protocol?: 'http' | 'https'
  maxNetworkRetries: number
  timeoutMs: number
}

function toProviderPayment(intent: Stripe.PaymentIntent): ProviderPayment {
  const orderId = Number(intent.metadata?.victoria_order_id)
  // a PaymentIntent's refunds live on its latest charge; expanded where it matters
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null
  return {
    id: intent.id,
    status: intent.status,
    amount: intent.amount,
    amountReceived: intent.amount_received,
    amountRefunded: charge?.amount_refunded ?? 0,
    currency: intent.currency.toUpperCase(),
    orderId: Number.isSafeInteger(orderId) && orderId > 0 ? orderId : null,
  }
}

/**
 * PaymentIntents through the stripe SDK. Every POST carries an idempotency key derived from the
 * order, and the SDK retries network failures and 409/5xx answers with that same key, so a
 * request that Stripe committed but whose answer was lost is replayed, not repeated.
 */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const
  readonly webhookSecret: string
  private readonly stripe: Stripe

  constructor(options: StripeProviderOptions) {
    this.webhookSecret = options.webhookSecret
    this.stripe = new Stripe(options.secretKey, {
      maxNetworkRetries: options.maxNetworkRetries,
      timeout: options.timeoutMs,
      telemetry: false,
      ...(options.host ? { host: options.host } : {}),
      ...(options.port ? { port: options.port } : {}),
      ...(options.protocol ? { protocol: options.protocol } : {}),
    })
  }

  async createPayment(
    order: OrderForPayment,
    existingPaymentId: string | null,
  ): Promise<CreatedPayment> {
    const intent = existingPaymentId
      ? await this.stripe.paymentIntents.retrieve(existingPaymentId)
      : await this.stripe.paymentIntents.create(
          {
            amount: order.amountCents,
            currency: order.currency.toLowerCase(),
            automatic_payment_methods: { enabled: true },
            metadata: { victoria_order_id: String(order.id) },
          },
          { idempotencyKey: paymentIdempotencyKey(order.providerKey) },
        )
    if (!intent.client_secret) throw new Error(`PaymentIntent ${intent.id} has no client secret`)
    return { id: intent.id, clientSecret: intent.client_secret }
  }

  async refund(order: OrderForPayment, paymentId: string) {
    const refund = await this.stripe.refunds.create(
      { payment_intent: paymentId, metadata: { victoria_order_id: String(order.id) } },
      { idempotencyKey: refundIdempotencyKey(order.providerKey) },
    )
    return { id: refund.id }
  }

  async retrievePayment(paymentId: string): Promise<ProviderPayment | null> {
    try {
      const intent = await this.stripe.paymentIntents.retrieve(paymentId, {
        expand: ['latest_charge'],
      })
      return toProviderPayment(intent)
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null
      throw error
    }
  }

  async *listPayments(): AsyncIterable<ProviderPayment> {
    for await (const intent of this.stripe.paymentIntents.list({
      limit: 100,
      expand: ['data.latest_charge'],
    })) {
      // the account may take payments for other systems too: only Victoria's are compared
      if (intent.metadata?.victoria_order_id) yield toProviderPayment(intent)
    }
  }
}

/** Errors that mean "the provider did not answer" rather than "it said no". */
export function isProviderUnavailable(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeIdempotencyError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 500) >= 500)
  )
}

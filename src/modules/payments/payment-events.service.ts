import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/types.ts'
import type { AppliedOutcome, OrdersService, PaymentOutcome } from '../orders/orders.service.ts'
import type { PaymentProvider, ProviderName } from './provider.ts'
import { type PaymentEvent, verifyWebhook } from './webhook-signature.ts'

export interface ReceivedEvent extends AppliedOutcome {
  eventId: string
  /** the event id was recorded before: nothing was done */
  duplicate: boolean
}

const str = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null)

function orderIdOf(object: Record<string, unknown>): number | null {
  const metadata = object.metadata as Record<string, unknown> | undefined
  const id = Number(metadata?.victoria_order_id)
  return Number.isSafeInteger(id) && id > 0 ? id : null
}

/** What an event means for an order; null for the many event types Victoria does not act on. */
export function outcomeOf(event: PaymentEvent, provider: ProviderName): PaymentOutcome | null {
  const object = event.data.object
  const hint = orderIdOf(object)
  const intent = (target: PaymentOutcome['target']): PaymentOutcome | null => {
    const paymentId = str(object.id)
    if (!paymentId) return null
    return {
      target,
      paymentId,
      orderIdHint: hint,
      provider,
      amountReceived: typeof object.amount_received === 'number' ? object.amount_received : 0,
      currency: str(object.currency) ?? undefined,
    }
  }
  switch (event.type) {
    case 'payment_intent.succeeded':
      return intent('paid')
    case 'payment_intent.payment_failed':
      return intent('failed')
    case 'payment_intent.canceled':
      return intent('cancelled')
    case 'charge.refunded': {
      // only a full refund refunds the order; a partial one is for reconciliation to show
      const paymentId = str(object.payment_intent)
      if (!paymentId || object.refunded !== true) return null
      return { target: 'refunded', paymentId, orderIdHint: hint, provider }
    }
    default:
      return null
  }
}

/**
 * Webhook events: verified against the raw body, then recorded by id in the transaction that
 * applies them, so a redelivered event (or ten copies at once: they queue on the id's unique
 * index) changes nothing the second time.
 */
export class PaymentEventsService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly orders: OrdersService,
    private readonly provider: PaymentProvider,
  ) {}

  async receive(rawBody: Buffer, signature: string | undefined): Promise<ReceivedEvent> {
    const event = verifyWebhook(rawBody, signature, this.provider.webhookSecret)
    const outcome = outcomeOf(event, this.provider.name)
    const paymentId = outcome?.paymentId ?? str(event.data.object.id)
    return this.db.transaction().execute(async (trx) => {
      const recorded = await sql<{ id: string }>`
        INSERT INTO payment_events (id, provider, type, payment_id, created_at)
        VALUES (${event.id}, ${this.provider.name}, ${event.type}, ${paymentId},
                to_timestamp(${event.created}))
        ON CONFLICT (id) DO NOTHING
        RETURNING id`.execute(trx)
      const none = { eventId: event.id, orderId: null, userId: null, transition: null }
      if (recorded.rows.length === 0) return { ...none, duplicate: true }
      if (!outcome) return { ...none, duplicate: false }
      const applied = await this.orders.applyPaymentOutcome(trx, outcome)
      await trx
        .updateTable('payment_events')
        .set({ order_id: applied.orderId, transition: applied.transition })
        .where('id', '=', event.id)
        .execute()
      return { ...applied, eventId: event.id, duplicate: false }
    })
  }
}

import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, type Selectable, sql } from 'kysely'
import type { DB, LocalPaymentIntentsTable } from '../../db/types.ts'
import {
  type CreatedPayment,
  type OrderForPayment,
  type PaymentProvider,
  type ProviderPayment,
  paymentIdempotencyKey,
} from './provider.ts'
import { signWebhook } from './webhook-signature.ts'

/** Hands a signed event to the webhook route; answers its HTTP status. */
export type WebhookDelivery = (payload: string, signature: string) => Promise<number>

type IntentRow = Selectable<LocalPaymentIntentsTable>

const DELIVERY_ATTEMPTS = 12
const FIRST_RETRY_MS = 25
const MAX_RETRY_MS = 2_000

const token = () => randomBytes(12).toString('hex')

function toProviderPayment(row: IntentRow): ProviderPayment {
  return {
    id: row.id,
    status: row.status,
    amount: row.amount,
    amountReceived: row.amount_received,
    amountRefunded: row.amount_refunded,
    currency: row.currency.toUpperCase(),
    orderId: row.order_id,
  }
}

function intentObject(row: IntentRow) {
  return {
    id: row.id,
    object: 'payment_intent',
    amount: row.amount,
    amount_received: row.amount_received,
    currency: row.currency.toLowerCase(),
    status: row.status,
    livemode: false,
    metadata: row.order_id === null ? {} : { victoria_order_id: String(row.order_id) },
  }
}

/**
 * The embedded payment provider: a ledger of PaymentIntents in the same database (keyed by the
 * caller's idempotency key, as Stripe keys them), completed in-process right after checkout,
 * and announced through the same webhook route with Stripe-format signed events. The whole
 * purchase flow runs with no network, and the code that applies events is the Stripe path's.
 * Delivery retries with backoff, and every event has a fixed id per payment and type, so a
 * redelivery is recognised as the duplicate it is.
 */
export class LocalProvider implements PaymentProvider {
  readonly name = 'local' as const
  private deliver: WebhookDelivery | null = null
  private readonly inFlight = new Set<Promise<void>>()
  private closed = false

  constructor(
    private readonly db: Kysely<DB>,
    readonly webhookSecret: string,
  ) {}

  /** Where events go: the app wires this to its own webhook route. */
  setDelivery(deliver: WebhookDelivery) {
    this.deliver = deliver
  }

  async createPayment(order: OrderForPayment, existing: string | null): Promise<CreatedPayment> {
    const key = paymentIdempotencyKey(order.providerKey)
    const id = `pi_local_${token()}`
    await sql`
      INSERT INTO local_payment_intents
        (id, idempotency_key, amount, currency, status, order_id, client_secret)
      VALUES (${id}, ${key}, ${order.amountCents}, ${order.currency}, 'requires_confirmation',
              ${order.id}, ${`${id}_secret_${token()}`})
      ON CONFLICT (idempotency_key) DO NOTHING`.execute(this.db)
    const row = await this.db
      .selectFrom('local_payment_intents')
      .selectAll()
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow()
    if (existing !== null && existing !== row.id) {
      throw new Error(`order ${order.id} has payment ${existing}, the ledger ${row.id}`)
    }
    if (row.amount !== order.amountCents || row.currency !== order.currency) {
      // Stripe answers a key reused with other parameters with an idempotency error too
      throw new Error(`idempotency key ${key} was used for another amount`)
    }
    return { id: row.id, clientSecret: row.client_secret }
  }

  /** Confirms payments right after checkout, as a customer would; tests may turn it off. */
  autoConfirm = true

  /** The in-process "customer confirms": the payment succeeds and its event is sent. */
  afterCheckout(paymentId: string) {
    if (this.autoConfirm) this.track(this.complete(paymentId))
  }

  /**
   * Marks the payment succeeded in the ledger (once) and returns the event that announces it,
   * unsent; null if the payment is unknown or not succeeded.
   */
  async confirmPayment(paymentId: string): Promise<string | null> {
    await sql`
      UPDATE local_payment_intents
      SET status = 'succeeded', amount_received = amount, updated_at = now()
      WHERE id = ${paymentId} AND status = 'requires_confirmation'`.execute(this.db)
    const row = await this.find(paymentId)
    if (row?.status !== 'succeeded') return null
    return eventPayload(`evt_${row.id}_succeeded`, 'payment_intent.succeeded', intentObject(row))
  }

  private async complete(paymentId: string) {
    for (let attempt = 0; attempt < DELIVERY_ATTEMPTS && !this.closed; attempt++) {
      try {
        const payload = await this.confirmPayment(paymentId)
        if (payload) await this.emit(payload)
        return
      } catch {
        await sleep(backoff(attempt))
      }
    }
  }

  async refund(order: OrderForPayment, paymentId: string) {
    const refundId = `re_local_${token()}`
    await sql`
      UPDATE local_payment_intents
      SET amount_refunded = amount_received, refund_id = ${refundId}, updated_at = now()
      WHERE id = ${paymentId} AND status = 'succeeded' AND refund_id IS NULL
        AND idempotency_key = ${paymentIdempotencyKey(order.providerKey)}`.execute(this.db)
    // the ledger holds one refund per payment: a repeated request finds it and returns it
    const row = await this.find(paymentId)
    if (!row?.refund_id) throw new Error(`payment ${paymentId} cannot be refunded`)
    const charge = {
      id: `ch_${row.id}`,
      object: 'charge',
      payment_intent: row.id,
      amount: row.amount,
      amount_refunded: row.amount_refunded,
      refunded: row.amount_refunded === row.amount_received,
      currency: row.currency.toLowerCase(),
      metadata: intentObject(row).metadata,
    }
    this.track(this.emit(eventPayload(`evt_${row.id}_refunded`, 'charge.refunded', charge)))
    return { id: row.refund_id }
  }

  async retrievePayment(paymentId: string) {
    const row = await this.find(paymentId)
    return row ? toProviderPayment(row) : null
  }

  async *listPayments(): AsyncIterable<ProviderPayment> {
    const rows = await this.db
      .selectFrom('local_payment_intents')
      .selectAll()
      .orderBy('id')
      .execute()
    for (const row of rows) yield toProviderPayment(row)
  }

  /** Resolves when every completion and delivery under way has finished (tests, shutdown). */
  async drain() {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  async close() {
    await this.drain()
    this.closed = true
  }

  private async find(paymentId: string) {
    return this.db
      .selectFrom('local_payment_intents')
      .selectAll()
      .where('id', '=', paymentId)
      .executeTakeFirst()
  }

  private track(work: Promise<void>) {
    const tracked = work.catch(() => {}).finally(() => this.inFlight.delete(tracked))
    this.inFlight.add(tracked)
  }

  private async emit(payload: string) {
    for (let attempt = 0; attempt < DELIVERY_ATTEMPTS && !this.closed; attempt++) {
      if (!this.deliver) return
      // signed at each attempt, as Stripe does: a retry hours later is not stale
      const status = await this.deliver(payload, signWebhook(payload, this.webhookSecret)).catch(
        () => 0,
      )
      if (status >= 200 && status < 300) return
      await sleep(backoff(attempt))
    }
  }
}

function eventPayload(id: string, type: string, object: object): string {
  return JSON.stringify({
    id,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    api_version: null,
    data: { object },
  })
}

const backoff = (attempt: number) =>
  Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt) * (0.5 + Math.random() / 2)

import { createHmac } from 'node:crypto'
import Stripe from 'stripe'
import { WebhookPayloadInvalid, WebhookSignatureInvalid } from './payments.errors.ts'

/** Stripe's default, and what the issue asks: a signed timestamp older than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300

/** The slice of a Stripe event Victoria reads; both providers send this shape. */
export interface PaymentEvent {
  id: string
  type: string
  created: number
  data: { object: Record<string, unknown> }
}

/**
 * Verifies a webhook against its raw body (a re-serialized JSON body would not match the
 * signature) with the stripe SDK, for both providers: the local provider signs its events the
 * way Stripe does, so one code path checks them all.
 */
export function verifyWebhook(
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
): PaymentEvent {
  if (!signature) throw new WebhookSignatureInvalid(WEBHOOK_TOLERANCE_SECONDS)
  // the SDK refuses old timestamps only; one far in the future is as suspect (a replay kit)
  const signedAt = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1])
  if (signedAt > Date.now() / 1000 + WEBHOOK_TOLERANCE_SECONDS) {
    throw new WebhookSignatureInvalid(WEBHOOK_TOLERANCE_SECONDS)
  }
  let event: unknown
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS)
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new WebhookSignatureInvalid(WEBHOOK_TOLERANCE_SECONDS)
    }
    // signed, but not JSON
    throw new WebhookPayloadInvalid('The webhook body is not a JSON event')
  }
  const e = event as Partial<PaymentEvent> | null
  if (
    !e ||
    typeof e.id !== 'string' ||
    e.id.length === 0 ||
    e.id.length > 255 ||
    typeof e.type !== 'string' ||
    e.type.length === 0 ||
    e.type.length > 255 ||
    typeof e.created !== 'number' ||
    typeof e.data?.object !== 'object' ||
    e.data.object === null
  ) {
    throw new WebhookPayloadInvalid('The webhook event lacks an id, type, created or data.object')
  }
  return e as PaymentEvent
}

/** The `Stripe-Signature` header for a payload, as Stripe computes it (local provider, tests). */
export function signWebhook(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp !== undefined ? { timestamp } : {}),
  })
}

/**
 * The local provider's signing secret when none is configured: derived from the JWT secret, so
 * it survives restarts and differs between installations without another file to keep.
 */
export function deriveLocalWebhookSecret(jwtSecret: string): string {
  const digest = createHmac('sha256', jwtSecret).update('victoria local payments webhook')
  return `whsec_${digest.digest('base64url')}`
}

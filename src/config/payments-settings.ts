import { Type } from 'typebox'
import { PositiveMs } from './setting-types.ts'

/** Orders and payments (src/modules/orders, src/modules/payments). Spread into the one env schema in src/config.ts. */
export const paymentsSettings = {
  // --- orders and payments ---
  PAYMENT_PROVIDER: Type.Enum(['local', 'stripe'], {
    default: 'local',
    description: 'local: the embedded provider, no network; stripe: PaymentIntents through Stripe',
  }),
  STRIPE_SECRET_KEY: Type.Optional(
    Type.String({
      pattern: '^(sk|rk)_[A-Za-z0-9_]+$',
      description: 'Stripe secret (sk_...) or restricted (rk_...) key; required for stripe',
    }),
  ),
  STRIPE_WEBHOOK_SECRET: Type.Optional(
    Type.String({
      pattern: '^whsec_[A-Za-z0-9+/=_-]+$',
      description: 'signing secret of the Stripe webhook endpoint (whsec_...); required for stripe',
    }),
  ),
  STRIPE_API_HOST: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Stripe API host (tests, proxies)' }),
  ),
  STRIPE_API_PORT: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 65535, description: 'Stripe API port' }),
  ),
  STRIPE_API_PROTOCOL: Type.Optional(
    Type.Enum(['http', 'https'], { description: 'Stripe API protocol (https unless testing)' }),
  ),
  STRIPE_MAX_NETWORK_RETRIES: Type.Integer({
    minimum: 0,
    maximum: 10,
    default: 3,
    description: 'retries of a failed Stripe call, each with the same Stripe idempotency key',
  }),
  STRIPE_TIMEOUT_MS: PositiveMs(20_000, 'one Stripe API call may take this long'),
  LOCAL_PAYMENTS_WEBHOOK_SECRET: Type.Optional(
    Type.String({
      pattern: '^whsec_[A-Za-z0-9+/=_-]{24,}$',
      description:
        "signing secret of the local provider's webhook events; derived from JWT_SECRET if unset",
    }),
  ),
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({
    minimum: 24,
    maximum: 30 * 24,
    default: 24,
    description: 'how long an Idempotency-Key and its stored response are kept',
  }),
  IDEMPOTENCY_LOCK_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 60,
    description: 'a request still running holds its key this long at most (then a retry resumes)',
  }),
}

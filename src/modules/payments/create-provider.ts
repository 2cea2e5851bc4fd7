import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { DB } from '../../db/types.ts'
import { LocalProvider } from './local-provider.ts'
import type { PaymentProvider } from './provider.ts'
import { StripeProvider } from './stripe-provider.ts'
import { deriveLocalWebhookSecret } from './webhook-signature.ts'

type ProviderConfig = Pick<
  Config,
  | 'PAYMENT_PROVIDER'
  | 'STRIPE_SECRET_KEY'
  | 'STRIPE_WEBHOOK_SECRET'
  | 'STRIPE_API_HOST'
  | 'STRIPE_API_PORT'
  | 'STRIPE_API_PROTOCOL'
  | 'STRIPE_MAX_NETWORK_RETRIES'
  | 'STRIPE_TIMEOUT_MS'
  | 'LOCAL_PAYMENTS_WEBHOOK_SECRET'
>

/** The provider PAYMENT_PROVIDER names (loadConfig has checked that Stripe's keys are set). */
export function createProvider(
  config: ProviderConfig,
  db: Kysely<DB>,
  jwtSecret: string,
): PaymentProvider {
  if (config.PAYMENT_PROVIDER === 'stripe') {
    if (!config.STRIPE_SECRET_KEY || !config.STRIPE_WEBHOOK_SECRET) {
      throw new Error('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET')
    }
    return new StripeProvider({
      secretKey: config.STRIPE_SECRET_KEY,
      webhookSecret: config.STRIPE_WEBHOOK_SECRET,
      host: config.STRIPE_API_HOST,
      port: config.STRIPE_API_PORT,
      protocol: config.STRIPE_API_PROTOCOL,
      maxNetworkRetries: config.STRIPE_MAX_NETWORK_RETRIES,
      timeoutMs: config.STRIPE_TIMEOUT_MS,
    })
  }
  return new LocalProvider(
    db,
    config.LOCAL_PAYMENTS_WEBHOOK_SECRET ?? deriveLocalWebhookSecret(jwtSecret),
  )
}

import { randomUUID } from 'node:crypto'
import { type App, buildApp } from '../../../src/app.ts'
import type { Config } from '../../../src/config.ts'
import { LocalProvider } from '../../../src/modules/payments/local-provider.ts'
import { signWebhook } from '../../../src/modules/payments/webhook-signature.ts'
import { type Cleanup, openTestDatabase, testConfig } from '../../helpers/database.ts'
import { FakeStripe } from '../../helpers/fake-stripe.ts'

export type ProviderUnderTest = 'local' | 'stripe'

/** The fake Stripe behind each app built with the stripe provider. */
export const fakeOf = new WeakMap<object, FakeStripe>()

/**
 * An app on a database of its own with the given provider: the embedded local one (its
 * automatic confirmation off when `manual`, so a test plays the customer), or Stripe's SDK
 * pointed at a fake Stripe on loopback.
 */
export async function buildPaymentsApp(
  t: Cleanup,
  provider: ProviderUnderTest,
  overrides: Partial<Config> = {},
  options: { manual?: boolean; databaseUrl?: string } = {},
) {
  const fake = provider === 'stripe' ? await FakeStripe.start() : null
  const database = await openTestDatabase()
  const config: Config = {
    ...testConfig,
    CACHE_PREFIX: `test-pay-${process.pid}-${randomUUID().slice(0, 8)}`,
    ...(fake ? { ...fake.config(), STRIPE_MAX_NETWORK_RETRIES: 5, STRIPE_TIMEOUT_MS: 1000 } : {}),
    ...overrides,
  }
  const app = await buildApp(config, { database })
  const local = app.payments.provider instanceof LocalProvider ? app.payments.provider : null
  if (local && options.manual) local.autoConfirm = false
  if (fake) fakeOf.set(app, fake)
  t.after(async () => {
    await app.close()
    await database.close()
    await fake?.close()
  })
  return { app, database, db: database.db, fake, local, config }
}

/** Sends a webhook as the provider would, signed with `secret` (at `timestamp`, if given). */
export function sendWebhook(
  app: { inject: App['inject'] },
  payload: string,
  secret: string,
  timestamp?: number,
) {
  return app.inject({
    method: 'POST',
    url: '/api/payments/webhook',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': signWebhook(payload, secret, timestamp),
    },
    payload,
  })
}

export function shuffle<T>(items: T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

import fp from 'fastify-plugin'
import type { Config } from '../../config.ts'
import { IdempotencyRepository } from '../orders/idempotency.repository.ts'
import { OrdersService } from '../orders/orders.service.ts'
import { createProvider } from './create-provider.ts'
import { LocalProvider } from './local-provider.ts'
import { PaymentEventsService } from './payment-events.service.ts'
import type { PaymentProvider } from './provider.ts'

export const WEBHOOK_PATH = '/api/payments/webhook'
const CLEANUP_INTERVAL_MS = 3_600_000

declare module 'fastify' {
  interface FastifyInstance {
    payments: {
      provider: PaymentProvider
      orders: OrdersService
      events: PaymentEventsService
    }
  }
}

/**
 * The payment provider PAYMENT_PROVIDER selects, and the services built on it, shared by the
 * orders, admin and webhook routes. The local provider delivers its events to this app's own
 * webhook route; expired idempotency keys are deleted hourly.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const db = app.database.db
    const provider = createProvider(config, db, config.JWT_SECRET!)
    const orders = new OrdersService(db, provider, {
      idempotencyTtlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
      idempotencyLockSeconds: config.IDEMPOTENCY_LOCK_SECONDS,
    })
    const events = new PaymentEventsService(db, orders, provider)
    app.decorate('payments', { provider, orders, events })

    if (provider instanceof LocalProvider) {
      // payments a previous run answered for but never completed (it stopped in between)
      app.addHook('onReady', async () => {
        try {
          const unfinished = await db
            .selectFrom('local_payment_intents as p')
            .innerJoin('orders as o', 'o.provider_payment_id', 'p.id')
            .select('p.id')
            .where('p.status', '=', 'requires_confirmation')
            .where('o.status', '=', 'pending')
            .execute()
          for (const { id } of unfinished) provider.afterCheckout(id)
        } catch (err) {
          // not worth failing the start over: a replayed checkout nudges them too
          app.log.warn({ err }, 'could not resume unfinished local payments')
        }
      })
      provider.setDelivery(async (payload, signature) => {
        const response = await app.inject({
          method: 'POST',
          url: WEBHOOK_PATH,
          payload,
          headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        })
        return response.statusCode
      })
    }

    const keys = new IdempotencyRepository(db)
    const cleanup = setInterval(() => {
      keys.deleteExpired().then(
        (deleted) => deleted > 0 && app.log.info({ deleted }, 'expired idempotency keys deleted'),
        (err) => app.log.warn({ err }, 'idempotency key cleanup failed'),
      )
    }, CLEANUP_INTERVAL_MS)
    cleanup.unref()
    // deliveries use app.inject, which still works while the app is closing but not after
    app.addHook('preClose', async () => {
      clearInterval(cleanup)
      await provider.close?.()
    })
  },
  { name: 'payments', dependencies: ['database'] },
)

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { cacheTags } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import { WEBHOOK_PATH } from './payments.plugin.ts'

const WebhookAnswer = Type.Object({
  received: Type.Boolean(),
  duplicate: Type.Boolean({ description: 'the event id was seen before; nothing was done' }),
})

/**
 * The provider's webhook: public, and trusted only through its signature, which is checked
 * against the raw bytes of the body. JSON bodies are therefore kept as a Buffer in this
 * context instead of being parsed.
 */
const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  )

  app.post(
    WEBHOOK_PATH,
    {
      schema: {
        tags: ['payments'],
        summary:
          'Payment events from the provider (Stripe, or the embedded local provider), signed ' +
          'in the Stripe-Signature header; a timestamp older than 300 s is refused',
        headers: Type.Object({
          'stripe-signature': Type.Optional(
            Type.String({ description: 't=<unix time>,v1=<HMAC-SHA256 of "t.body">' }),
          ),
        }),
        response: { 200: WebhookAnswer, ...problemResponses(400, 415) },
      },
    },
    async (request) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const received = await app.payments.events.receive(raw, request.headers['stripe-signature'])
      // the buyer's library, dashboard and recommendations follow the order, once committed
      if (received.transition && received.userId !== null) {
        await app.cache.invalidate([cacheTags.user(received.userId)])
      }
      if (received.transition) {
        request.log.info(
          { eventId: received.eventId, orderId: received.orderId, transition: received.transition },
          'payment event applied',
        )
      }
      return { received: true, duplicate: received.duplicate }
    },
  )
}

export default webhookRoutes

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { cacheTags } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import type { UserPrincipal } from '../../plugins/auth.ts'
import { IdParams, Page } from '../catalog/catalog.schemas.ts'
import {
  Checkout,
  CreateOrderBody,
  IdempotencyHeaders,
  Order,
  OrderListQuery,
} from './orders.schemas.ts'

/** The buyer's side: checkout and their own orders. Registered behind requireUser. */
const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser)
  const { orders } = app.payments
  const userId = (principal: unknown) => (principal as UserPrincipal).userId

  app.post(
    '/api/orders',
    {
      schema: {
        tags: ['orders'],
        summary:
          'Buy books: creates the order (prices snapshotted) and its payment; needs an ' +
          'Idempotency-Key. The answer carries the client secret for the front end; the ' +
          'order becomes paid when the provider’s webhook says so',
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: {
          201: Checkout,
          ...problemResponses(401, 404, 409, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const buyer = userId(request.principal)
      const answer = await orders.checkout(buyer, request.headers['idempotency-key'], request.body)
      if (answer.ownershipChanged) await app.cache.invalidate([cacheTags.user(buyer)])
      if (answer.replayed) reply.header('idempotent-replayed', 'true')
      return reply
        .code(answer.status as 201)
        .header('location', `/api/orders/${answer.body.order.id}`)
        .send(answer.body)
    },
  )

  app.get(
    '/api/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Your orders, newest first',
        querystring: OrderListQuery,
        response: { 200: Page(Order), ...problemResponses(401) },
      },
    },
    async (request) => orders.list(userId(request.principal), request.query),
  )

  app.get(
    '/api/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One of your orders',
        params: IdParams,
        response: { 200: Order, ...problemResponses(401, 404) },
      },
    },
    async (request) => orders.get(userId(request.principal), request.params.id),
  )
}

export default ordersRoutes

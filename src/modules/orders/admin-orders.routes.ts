import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { cacheTags } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import { IdParams, Page } from '../catalog/catalog.schemas.ts'
import { AdminOrder, AdminOrderListQuery } from './orders.schemas.ts'

/** Admin-only: every order, and refunds. Registered behind requireScope('admin'). */
const adminOrdersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireScope('admin'))
  const { orders } = app.payments

  app.get(
    '/api/admin/orders',
    {
      schema: {
        tags: ['admin', 'orders'],
        summary: 'All orders, newest first, filtered by status, buyer, provider and date',
        querystring: AdminOrderListQuery,
        response: { 200: Page(AdminOrder), ...problemResponses(401, 403) },
      },
    },
    async (request) => orders.listForAdmin(request.query),
  )

  app.get(
    '/api/admin/orders/:id',
    {
      schema: {
        tags: ['admin', 'orders'],
        summary: 'Any order',
        params: IdParams,
        response: { 200: AdminOrder, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => orders.getForAdmin(request.params.id),
  )

  app.post(
    '/api/admin/orders/:id/refund',
    {
      schema: {
        tags: ['admin', 'orders'],
        summary:
          'Refund a paid order in full: the provider refunds once however often this is ' +
          'called, and the books leave the buyer’s library (a shelf they set stays)',
        params: IdParams,
        response: { 200: AdminOrder, ...problemResponses(401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { order, userId } = await orders.refund(request.params.id)
      if (userId !== null) await app.cache.invalidate([cacheTags.user(userId)])
      return order
    },
  )
}

export default adminOrdersRoutes

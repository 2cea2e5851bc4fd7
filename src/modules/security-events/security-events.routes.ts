import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problemResponses } from '../../lib/problem.ts'
import { SecurityEventsPage, SecurityEventsQuery } from './security-events.schemas.ts'

/** Admin: the security audit log, newest first. Context demands the admin scope. */
const securityEventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireScope('admin'))

  app.get(
    '/api/admin/security-events',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Security audit events (failed logins, lockouts, token reuse, 429 bursts, admin ' +
          'actions, API-key use), filtered by type, user and time, in keyset pages',
        querystring: SecurityEventsQuery,
        response: { 200: SecurityEventsPage, ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      // what is read must include what was just recorded
      await app.securityEvents.flush()
      return app.securityEvents.list(request.query)
    },
  )
}

export default securityEventsRoutes

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { cacheTags } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import type { UserPrincipal } from '../../plugins/auth.ts'
import { Dashboard } from './dashboard.schemas.ts'
import { DashboardService } from './dashboard.service.ts'

/** The caller's reading dashboard; registered in a context whose onRequest hook is requireUser. */
const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser)
  const dashboard = new DashboardService(app.database.db)

  app.get(
    '/api/dashboard',
    {
      schema: {
        tags: ['library'],
        summary:
          'Your reading at a glance: books read, per month and by genre, shelves, reviews, ' +
          'currently reading and recent activity',
        response: { 200: Dashboard, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const userId = (request.principal as UserPrincipal).userId
      // personal: keyed and tagged by the reader, never shared (library and review writes drop it)
      return app.sendCached(reply, {
        category: 'user',
        key: `dashboard:${userId}`,
        tags: [cacheTags.user(userId)],
        visibility: 'private',
        load: () => dashboard.forReader(userId),
      })
    },
  )
}

export default dashboardRoutes

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import { Type } from 'typebox'
import type { Config } from '../../config.ts'
import { problemResponses } from '../../lib/problem.ts'
import { InsightsReport, MonitoringSummary } from './monitoring.schemas.ts'
import { monitoringSummary } from './monitoring.service.ts'

const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * GET /metrics for Prometheus: with METRICS_PORT set, alone on a server of its own (not exposed
 * through the public port, so it needs no credentials); otherwise on the API port behind the
 * admin scope (an admin API key for the scraper). And the admin monitoring API.
 */
const monitoringRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const health = {
    version: app.observability.release,
    dataDir: config.DATABASE_URL ? null : config.VICTORIA_DATA_DIR,
  }
  const exposition = async () => app.observability.metrics.registry.metrics()

  if (config.METRICS_PORT) {
    const port = config.METRICS_PORT
    const server = Fastify({ logger: false })
    server.get('/metrics', async (_request, reply) =>
      reply.type(PROMETHEUS_TYPE).send(await exposition()),
    )
    // listens only when the app does (buildApp never listens; tests never open the port)
    app.addHook('onListen', async () => {
      await server.listen({ host: config.HOST, port })
      app.log.info({ port }, 'metrics served on their own port')
    })
    app.addHook('onClose', async () => {
      await server.close()
    })
  }

  await app.register(async (admin) => {
    admin.addHook('onRequest', admin.requireScope('admin'))

    if (!config.METRICS_PORT) {
      admin.get(
        '/metrics',
        {
          schema: {
            tags: ['monitoring'],
            summary: 'Prometheus exposition (admin scope; or unauthenticated on METRICS_PORT)',
            produces: [PROMETHEUS_TYPE],
            response: {
              200: Type.String({ description: 'Prometheus text format 0.0.4' }),
              ...problemResponses(401, 403),
            },
          },
        },
        async (_request, reply) => reply.type(PROMETHEUS_TYPE).send(await exposition()),
      )
    }

    admin.get(
      '/api/admin/monitoring',
      {
        schema: {
          tags: ['admin', 'monitoring'],
          summary:
            'Health, per-route latency windows, history, error groups, alerts, insights, cache',
          response: { 200: MonitoringSummary, ...problemResponses(401, 403) },
        },
      },
      async () => monitoringSummary(app, health),
    )

    admin.get(
      '/api/admin/monitoring/insights',
      {
        schema: {
          tags: ['admin', 'monitoring'],
          summary: 'Advice drawn from latency, cache, query plans, error growth and resources',
          response: { 200: InsightsReport, ...problemResponses(401, 403) },
        },
      },
      async () => ({
        generatedAt: new Date().toISOString(),
        insights: app.observability.insights(),
      }),
    )
  })
}

export default monitoringRoutes

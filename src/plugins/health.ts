import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import { pendingMigrations } from '../db/migrator.ts'
import { timed } from '../observability/dependencies.ts'
import { type HealthOptions, healthReport } from '../observability/health-report.ts'
import { Health } from '../observability/health-schema.ts'

const Check = Type.Object({
  status: Type.Enum(['ok', 'down']),
  responseTimeMs: Type.Number(),
  detail: Type.Optional(Type.String()),
})

const Readiness = Type.Object({
  status: Type.Enum(['ok', 'down']),
  checks: Type.Object({ database: Check, migrations: Check }),
})

/**
 * Kubernetes-style probes. Liveness touches no dependency, so a database outage never gets a
 * healthy process restarted; readiness answers whether this instance can serve traffic now.
 */
const health: FastifyPluginAsyncTypebox<HealthOptions> = async (app, opts) => {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up (no dependency checked)',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), uptimeSeconds: Type.Number() }),
        },
      },
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }),
  )

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: database reachable and every migration applied',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const database = await timed(() => sql`SELECT 1`.execute(app.database.db))
      const migrations = await timed(async () => {
        const pending = await pendingMigrations(app.database)
        if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')}`)
      })
      const status = database.status === 'ok' && migrations.status === 'ok' ? 'ok' : 'down'
      return reply
        .code(status === 'ok' ? 200 : 503)
        .send({ status, checks: { database, migrations } })
    },
  )

  app.get(
    '/api/health',
    {
      schema: {
        tags: ['health'],
        summary:
          'Dependencies with their response times: ok, degraded (something fails open) or down',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const report = await healthReport(app, opts)
      return reply.code(report.status === 'down' ? 503 : 200).send(report)
    },
  )
}

export default health

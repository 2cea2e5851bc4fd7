import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import { pendingMigrations } from '../db/migrator.ts'

const Check = Type.Object({
  status: Type.Enum(['ok', 'down']),
  responseTimeMs: Type.Number(),
  detail: Type.Optional(Type.String()),
})

const Readiness = Type.Object({
  status: Type.Enum(['ok', 'down']),
  checks: Type.Object({ database: Check, migrations: Check }),
})

const READY_TIMEOUT_MS = 2_000

/**
 * Kubernetes-style probes. Liveness touches no dependency, so a database outage never gets a
 * healthy process restarted; readiness answers whether this instance can serve traffic now.
 */
const health: FastifyPluginAsyncTypebox<{ version: string }> = async (app, opts) => {
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
        summary: 'Dependencies with their response times: ok, degraded (Redis down) or down',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const database = await timed(() => sql`SELECT 1`.execute(app.database.db))
      const redis = app.redis
        ? await timed(() => app.redis!.ping())
        : { status: 'disabled' as const, detail: 'REDIS_URL not set: memory cache only' }
      // the cache fails open: without Redis, answers still come (from PostgreSQL), so degraded
      const status =
        database.status === 'down' ? 'down' : redis.status === 'down' ? 'degraded' : 'ok'
      const memory = process.memoryUsage()
      return reply.code(status === 'down' ? 503 : 200).send({
        status,
        version: opts.version,
        uptimeSeconds: Math.round(process.uptime()),
        checks: {
          database,
          redis,
          memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        },
      })
    },
  )
}

const Dependency = Type.Object({
  status: Type.Enum(['ok', 'degraded', 'down', 'disabled']),
  responseTimeMs: Type.Optional(Type.Number()),
  detail: Type.Optional(Type.String()),
})

const Health = Type.Object({
  status: Type.Enum(['ok', 'degraded', 'down']),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  checks: Type.Object({
    database: Dependency,
    redis: Dependency,
    memory: Type.Object({ rssBytes: Type.Integer(), heapUsedBytes: Type.Integer() }),
  }),
})

async function timed(check: () => Promise<unknown>) {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
          READY_TIMEOUT_MS,
        )
      }),
    ])
    return { status: 'ok' as const, responseTimeMs: elapsed(started) }
  } catch (error) {
    return {
      status: 'down' as const,
      responseTimeMs: elapsed(started),
      detail: (error as Error).message,
    }
  } finally {
    clearTimeout(timer)
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100

export default health

import createError from '@fastify/error'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { lastRuns, MAINTENANCE_JOBS, type MaintenanceJob } from '../../jobs/maintenance.ts'
import { problemResponses } from '../../lib/problem.ts'

const MaintenanceInProgress = createError(
  'MAINTENANCE_IN_PROGRESS',
  'The %s job is running right now (on this or another instance); its result will be fresh shortly',
  409,
)

const Job = Type.Enum([...MAINTENANCE_JOBS], {
  description: 'statistics: book_stats, user_stats, genre_stats; recommendations: book neighbours',
})

const RefreshQuery = Type.Object(
  { job: Type.Optional({ ...Job, description: 'one job; both when left out' }) },
  { additionalProperties: false },
)

const JobRun = Type.Object({
  job: Job,
  durationMs: Type.Integer(),
  detail: Type.String(),
})

const LastRun = Type.Object({
  job: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  ok: Type.Union([Type.Boolean(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
})

/** Admin: database maintenance on demand, and when each job last ran. */
const maintenanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireScope('admin'))

  app.post(
    '/api/admin/maintenance/refresh-statistics',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Refresh the statistics views and/or recompute the recommendation neighbours now ' +
          '(409 when that job is already running somewhere)',
        querystring: RefreshQuery,
        response: {
          200: Type.Object({ runs: Type.Array(JobRun) }),
          ...problemResponses(401, 403, 409),
        },
      },
    },
    async (request) => {
      const { job } = request.query
      const jobs: readonly MaintenanceJob[] = job ? [job] : MAINTENANCE_JOBS
      const runs = []
      for (const name of jobs) {
        const run = await app.maintenance.run(name)
        if (!run) throw new MaintenanceInProgress(name)
        runs.push(run)
      }
      return { runs }
    },
  )

  app.get(
    '/api/admin/maintenance',
    {
      schema: {
        tags: ['admin'],
        summary: 'When each maintenance job last ran, how long it took and how it went',
        response: {
          200: Type.Object({ jobs: Type.Array(LastRun) }),
          ...problemResponses(401, 403),
        },
      },
    },
    async () => ({ jobs: await lastRuns(app.database.db) }),
  )
}

export default maintenanceRoutes

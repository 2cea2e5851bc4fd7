import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import {
  type JobRun,
  MAINTENANCE_JOBS,
  type MaintenanceJob,
  runMaintenanceJob,
  secondsSinceLastSuccess,
} from './maintenance.ts'
import { Scheduler } from './scheduler.ts'

declare module 'fastify' {
  interface FastifyInstance {
    maintenance: {
      /** Runs a job now; null when another instance or request is running it. */
      run(job: MaintenanceJob): Promise<JobRun | null>
    }
  }
}

// the soonest a job runs after a start: lets the instance finish booting and serve first
const STARTUP_DELAY_MS = 5_000

/**
 * Scheduled maintenance: the statistics views and the recommendation neighbours, refreshed
 * every STATS_REFRESH_INTERVAL_SECONDS and RECS_REFRESH_INTERVAL_SECONDS (0 disables). After a
 * start, a job that is overdue (by maintenance_runs) runs shortly; one that ran recently waits
 * out the rest of its interval, so restarts of many instances do not each trigger a refresh.
 * Stopped when the app closes, after any run in progress.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const db = app.database.db

    async function run(job: MaintenanceJob): Promise<JobRun | null> {
      const result = await runMaintenanceJob(db, job)
      if (result) {
        // recommendations and similar books are computed from what was just refreshed
        await app.cache.invalidateCategory('recommendations')
        app.log.info(result, 'maintenance job finished')
      } else {
        app.log.debug({ job }, 'maintenance job skipped: another instance is running it')
      }
      return result
    }
    app.decorate('maintenance', { run })

    const intervals: Record<MaintenanceJob, number> = {
      statistics: config.STATS_REFRESH_INTERVAL_SECONDS,
      recommendations: config.RECS_REFRESH_INTERVAL_SECONDS,
    }
    const scheduler = new Scheduler(app.log)
    app.addHook('onReady', async () => {
      for (const job of MAINTENANCE_JOBS) {
        const intervalMs = intervals[job] * 1000
        await scheduler.add({
          name: job,
          intervalMs,
          async firstDelayMs() {
            const age = await secondsSinceLastSuccess(db, job).catch(() => null)
            const remaining = age === null ? 0 : intervalMs - age * 1000
            return Math.max(STARTUP_DELAY_MS, remaining)
          },
          run: () => run(job),
        })
      }
    })
    app.addHook('onClose', () => scheduler.stop())
  },
  { name: 'maintenance-jobs', dependencies: ['database', 'cache'] },
)

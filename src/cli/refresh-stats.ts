import { parseArgs } from 'node:util'
import { MAINTENANCE_JOBS, type MaintenanceJob, runMaintenanceJob } from '../jobs/maintenance.ts'
import { describeTarget, runDatabaseCommand } from './run-cli.ts'

/**
 * `npm run db:refresh-stats [-- --only statistics|recommendations]`: runs the maintenance jobs
 * now (after `db:seed -- --ratings`, say), under the same advisory locks as the scheduler, so
 * it never runs alongside an instance's scheduled refresh. Exit code 75 (EX_TEMPFAIL) when a
 * job is already running elsewhere.
 */
runDatabaseCommand('db:refresh-stats', async (database, config) => {
  const { values } = parseArgs({ options: { only: { type: 'string' } }, strict: true })
  if (values.only !== undefined && !MAINTENANCE_JOBS.includes(values.only as MaintenanceJob)) {
    process.stderr.write(`db:refresh-stats: --only takes ${MAINTENANCE_JOBS.join(' or ')}\n`)
    return 2
  }
  const jobs = values.only ? [values.only as MaintenanceJob] : MAINTENANCE_JOBS
  process.stdout.write(`Database: ${describeTarget(config)}\n`)
  for (const job of jobs) {
    const run = await runMaintenanceJob(database.db, job)
    if (!run) {
      process.stderr.write(`${job}: already running on another instance; try again shortly\n`)
      return 75
    }
    process.stdout.write(`${job}: ${run.detail} in ${run.durationMs} ms\n`)
  }
  return 0
})

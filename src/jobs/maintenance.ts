import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../db/types.ts'

/**
 * The maintenance jobs: refreshing the statistics views and recomputing the recommendation
 * neighbours (db/migrations/0008_statistics_recommendations.sql). The scheduler, the admin
 * route, `npm run db:refresh-stats` and `npm run eval:recs` all run them through here.
 */

export const MAINTENANCE_JOBS = ['statistics', 'recommendations'] as const
export type MaintenanceJob = (typeof MAINTENANCE_JOBS)[number]

// Advisory lock keys, one per job: any fixed numbers unused elsewhere (the migrator holds
// 7_402_190_331, the test templates 74021903).
export const LOCK_KEYS: Record<MaintenanceJob, number> = {
  statistics: 7_402_190_801,
  recommendations: 7_402_190_802,
}

/** Materialized views in refresh order: genre_stats reads book_stats. */
export const STATISTICS_VIEWS = ['book_stats', 'user_stats', 'genre_stats'] as const

export interface JobRun {
  job: MaintenanceJob
  durationMs: number
  /** what the run did, e.g. "11970 neighbours" */
  detail: string
}

type Executor = Kysely<DB> | Transaction<DB>

/** Refreshes the three statistics views; reads go on meanwhile (CONCURRENTLY). */
export async function refreshStatistics(db: Executor): Promise<string> {
  for (const view of STATISTICS_VIEWS) {
    await sql`REFRESH MATERIALIZED VIEW CONCURRENTLY ${sql.id(view)}`.execute(db)
  }
  return `refreshed ${STATISTICS_VIEWS.join(', ')}`
}

/** Recomputes every book's top-K neighbours; returns how many rows the model holds. */
export async function refreshNeighbours(db: Executor): Promise<string> {
  const result = await sql<{ n: number }>`SELECT refresh_book_neighbours() AS n`.execute(db)
  return `${result.rows[0]!.n} neighbours`
}

const RUNNERS: Record<MaintenanceJob, (db: Executor) => Promise<string>> = {
  statistics: refreshStatistics,
  recommendations: refreshNeighbours,
}

/**
 * Runs a job in one transaction that first takes the job's advisory lock with
 * pg_try_advisory_xact_lock: when another instance (or another request) is already running
 * it, this returns null at once instead of queueing a second identical refresh. The lock is
 * released by the commit or rollback, so a crashed run never leaves it held. The run is
 * recorded in maintenance_runs; a failure is recorded after the rollback and rethrown.
 */
export async function runMaintenanceJob(
  db: Kysely<DB>,
  job: MaintenanceJob,
): Promise<JobRun | null> {
  const started = performance.now()
  const startedAt = new Date()
  try {
    return await db.transaction().execute(async (trx) => {
      // a refresh is batch work: the API's statement_timeout protects requests, not this
      await sql`SET LOCAL statement_timeout = 0`.execute(trx)
      const lock = await sql<{ locked: boolean }>`
        SELECT pg_try_advisory_xact_lock(${LOCK_KEYS[job]}) AS locked`.execute(trx)
      if (!lock.rows[0]!.locked) return null
      const detail = await RUNNERS[job](trx)
      const durationMs = Math.round(performance.now() - started)
      await record(trx, job, startedAt, durationMs, true, detail)
      return { job, durationMs, detail }
    })
  } catch (error) {
    const durationMs = Math.round(performance.now() - started)
    await record(db, job, startedAt, durationMs, false, String(error).slice(0, 2000)).catch(
      () => {},
    )
    throw error
  }
}

function record(
  db: Executor,
  job: MaintenanceJob,
  startedAt: Date,
  durationMs: number,
  ok: boolean,
  detail: string,
) {
  return sql`
    INSERT INTO maintenance_runs AS m (job, started_at, finished_at, duration_ms, ok, detail)
    VALUES (${job}, ${startedAt}, clock_timestamp(), ${durationMs}, ${ok}, ${detail})
    ON CONFLICT (job) DO UPDATE SET started_at = EXCLUDED.started_at,
      finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms,
      ok = EXCLUDED.ok, detail = EXCLUDED.detail`.execute(db)
}

export interface MaintenanceRunRow {
  job: string
  startedAt: string
  finishedAt: string | null
  durationMs: number | null
  ok: boolean | null
  detail: string | null
}

/** The last run of each job. */
export async function lastRuns(db: Kysely<DB>): Promise<MaintenanceRunRow[]> {
  const result = await sql<{
    job: string
    started_at: Date | string
    finished_at: Date | string | null
    duration_ms: number | null
    ok: boolean | null
    detail: string | null
  }>`SELECT job, started_at, finished_at, duration_ms, ok, detail
     FROM maintenance_runs ORDER BY job`.execute(db)
  return result.rows.map((r) => ({
    job: r.job,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
    durationMs: r.duration_ms,
    ok: r.ok,
    detail: r.detail,
  }))
}

/** Seconds since the job last finished successfully, or null if it never has. */
export async function secondsSinceLastSuccess(
  db: Kysely<DB>,
  job: MaintenanceJob,
): Promise<number | null> {
  const result = await sql<{ age: number | null }>`
    SELECT extract(epoch FROM now() - finished_at)::float8 AS age
    FROM maintenance_runs WHERE job = ${job} AND ok`.execute(db)
  return result.rows[0]?.age ?? null
}

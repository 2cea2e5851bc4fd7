import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { Database } from '../../src/db/database.ts'
import type { DB } from '../../src/db/types.ts'
import { query } from './catalog.ts'
import { VICTORIA_BENCH_ENV } from './victoria-env.ts'

/**
 * Records the SQL Victoria runs for each request, so the raw-SQL reference server can replay the
 * very same statements and parameters without any framework. Victoria is built in-process over a
 * recording pool and asked through `app.inject`, one request at a time.
 *
 * A request's queries are grouped into stages: a query issued before any earlier query of the
 * same request has finished belongs to the same stage (Victoria ran them with Promise.all), one
 * issued after belongs to the next. The reference replays stages in order, each in parallel.
 */

export interface CapturedQuery {
  sql: string
  params: unknown[]
}

export type Stages = CapturedQuery[][]

export interface Captured {
  status: number
  body: string
  stages: Stages
}

export class RequestRecorder {
  private completed = 0
  private recorded: { stage: number; query: CapturedQuery }[] = []
  private app: Awaited<ReturnType<typeof buildApp>> | undefined
  private kysely: Kysely<DB> | undefined
  readonly captured = new Map<string, Captured>()

  constructor(private readonly database: Database) {}

  async start() {
    const pool: PostgresPool = {
      connect: async () => this.client(),
      end: async () => {},
    }
    this.kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
    const recording: Database = {
      db: this.kysely,
      engine: this.database.engine,
      executeScript: () => Promise.reject(new Error('the capture app runs no scripts')),
      listen: async () => async () => {},
      close: async () => {},
    }
    const config = loadConfig({
      ...VICTORIA_BENCH_ENV,
      LOG_LEVEL: 'silent',
      CACHE_ENABLED: 'false',
      // no maintenance jobs in the recording: their SQL is not the request's
      STATS_REFRESH_INTERVAL_SECONDS: '0',
      RECS_REFRESH_INTERVAL_SECONDS: '0',
      ALERTS_INTERVAL_MS: '0',
    })
    this.app = await buildApp(config, { database: recording })
    await this.app.ready()
  }

  /** GET `path` on the in-process Victoria and remember its SQL; answers are kept per path. */
  async get(path: string): Promise<Captured> {
    if (!this.app) throw new Error('start() first')
    const known = this.captured.get(path)
    if (known) return known
    this.completed = 0
    this.recorded = []
    const response = await this.app.inject({ method: 'GET', url: path })
    const byStage = new Map<number, CapturedQuery[]>()
    for (const { stage, query } of this.recorded) {
      byStage.set(stage, [...(byStage.get(stage) ?? []), query])
    }
    // a Map keeps insertion order, and stages are recorded in the order they started
    const captured = {
      status: response.statusCode,
      body: response.body,
      stages: [...byStage.values()],
    }
    this.captured.set(path, captured)
    return captured
  }

  async stop() {
    await this.app?.close()
    await this.kysely?.destroy()
  }

  private client(): PostgresPoolClient {
    const run = async (text: string, params: readonly unknown[]) => {
      this.recorded.push({ stage: this.completed, query: { sql: text, params: [...params] } })
      try {
        const rows = await query(this.database, text, [...params])
        return { command: 'SELECT' as const, rowCount: rows.length, rows }
      } finally {
        this.completed++
      }
    }
    return { query: run, release() {} } as unknown as PostgresPoolClient
  }
}

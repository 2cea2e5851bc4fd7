import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { unaccent } from '@electric-sql/pglite/contrib/unaccent'
import { Kysely, type LogEvent, PostgresDialect, sql, type Transaction } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import type { Config } from '../config.ts'
import type { DB } from './types.ts'

export type Engine = 'postgres' | 'pglite'

/** What the rest of the code base sees of the database, whichever engine runs underneath. */
export interface Database {
  readonly db: Kysely<DB>
  readonly engine: Engine
  /**
   * Runs a multi-statement SQL script (a migration) on the transaction's connection. The pg driver
   * sends a parameterless query over the simple protocol, which accepts many statements; PGlite's
   * query() does not, so its exec() is used on the same single session.
   */
  executeScript(trx: Transaction<DB>, script: string): Promise<void>
  /**
   * LISTENs on a channel for `pg_notify` messages, on a connection of its own (pg) or the
   * embedded session (PGlite). A pg listener reconnects by itself after PostgreSQL restarts
   * and calls `onGap`, since notifications sent while it was away are lost. Returns `stop`.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>
  close(): Promise<void>
  /** Calls `observer` after every query with its SQL and duration (metrics, slow-query log). */
  observeQueries?(observer: QueryObserver): () => void
  /** pg pool occupancy; null on PGlite (one embedded session, no pool) */
  poolStats?(): PoolStats | null
}

export interface QueryEvent {
  sql: string
  parameters: readonly unknown[]
  durationMs: number
  failed: boolean
}
export type QueryObserver = (event: QueryEvent) => void
export interface PoolStats {
  total: number
  idle: number
  waiting: number
  max: number
}

/** Kysely's log hook, fanned out to whoever observes; nothing is computed while no one does. */
function queryObservers() {
  const observers = new Set<QueryObserver>()
  const log = (event: LogEvent) => {
    if (observers.size === 0) return
    const observed: QueryEvent = {
      sql: event.query.sql,
      parameters: event.query.parameters,
      durationMs: event.queryDurationMillis,
      failed: event.level === 'error',
    }
    for (const observer of observers) observer(observed)
  }
  const observeQueries = (observer: QueryObserver) => {
    observers.add(observer)
    return () => {
      observers.delete(observer)
    }
  }
  return { log, observeQueries }
}

export interface ListenHandlers {
  message(payload: string): void
  gap?(): void
}

export interface DatabaseLogger {
  warn(obj: object, msg: string): void
}

export type DatabaseConfig = Pick<
  Config,
  | 'DATABASE_URL'
  | 'VICTORIA_DATA_DIR'
  | 'DB_POOL_MAX'
  | 'DB_CONNECTION_TIMEOUT_MS'
  | 'DB_STATEMENT_TIMEOUT_MS'
  | 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS'
>

// pg returns numeric and bigint as strings to avoid precision loss. Our numerics are ratings and
// positions (a few digits) and our bigints are counts, so numbers are safe and what the API wants.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.NUMERIC || oid === pg.types.builtins.INT8) return Number
    return pg.types.getTypeParser(oid, format)
  },
}

export async function openDatabase(
  config: DatabaseConfig,
  logger: DatabaseLogger,
): Promise<Database> {
  if (config.DATABASE_URL) return openPostgres(config, config.DATABASE_URL, logger)
  await mkdir(config.VICTORIA_DATA_DIR, { recursive: true })
  return openPGlite(await createPGlite(config.VICTORIA_DATA_DIR))
}

/**
 * An embedded PostgreSQL: persisted in `dataDir`, in memory without one, or restored from a
 * `dumpDataDir()` tarball (tests start from a seeded template that way).
 */
export function createPGlite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  return PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    // contrib extensions the migrations may CREATE EXTENSION (search: trigrams, accent folding);
    // PostgreSQL ships them as files, PGlite needs them handed over here
    extensions: { pg_trgm, unaccent },
    // the same conversions as the pg pool below, so both engines hand back the same row shapes
    parsers: { [pg.types.builtins.NUMERIC]: Number, [pg.types.builtins.INT8]: Number },
  })
}

function openPostgres(config: DatabaseConfig, url: string, logger: DatabaseLogger): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: config.DB_POOL_MAX,
    // without it a request waits forever for a connection when the pool is exhausted
    connectionTimeoutMillis: config.DB_CONNECTION_TIMEOUT_MS,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'victoria',
    types: pgTypes,
  })
  // An idle client that loses its server (PostgreSQL restarted) emits 'error' on the pool; with
  // no listener that error would crash the process. The pool drops the client and opens another.
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL connection failed'))
  // A client that loses its server while checked out (between the statements of a transaction)
  // emits 'error' too, and the pool listens only to idle clients: without this listener that
  // error is uncaught and ends the process. The statement in flight still fails, and the pool
  // discards the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err }, 'PostgreSQL connection lost while in use'))
  })
  const observed = queryObservers()
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: observed.log })
  return {
    db,
    engine: 'postgres',
    observeQueries: observed.observeQueries,
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: config.DB_POOL_MAX,
    }),
    async executeScript(trx, script) {
      await sql.raw(script).execute(trx)
    },
    listen: (channel, handlers) => listenPostgres(url, channel, handlers, logger),
    close: () => db.destroy(),
  }
}

const LISTEN_RETRY_MS = 1_000

async function listenPostgres(
  url: string,
  channel: string,
  handlers: ListenHandlers,
  logger: DatabaseLogger,
): Promise<() => Promise<void>> {
  let client: pg.Client | null = null
  let stopped = false
  let timer: NodeJS.Timeout | undefined

  // isRetry: a reconnect, after which notifications may have been missed
  const connect = async (isRetry: boolean): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: 'victoria-listen' })
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.message(message.payload ?? '')
    })
    next.on('error', (err) => {
      logger.warn({ err, channel }, 'LISTEN connection lost; reconnecting')
      retry()
    })
    try {
      await next.connect()
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    } catch (err) {
      // PostgreSQL unreachable (now or at startup): keep trying in the background; the app
      // serves (or answers 503) meanwhile rather than failing to start
      logger.warn({ err, channel }, 'LISTEN failed; retrying')
      next.end().catch(() => {})
      retry()
      return
    }
    if (stopped) {
      await next.end()
      return
    }
    client = next
    if (isRetry) handlers.gap?.()
  }

  function retry() {
    const dead = client
    client = null
    dead?.end().catch(() => {})
    if (stopped || timer) return
    timer = setTimeout(() => {
      timer = undefined
      if (!stopped) void connect(true)
    }, LISTEN_RETRY_MS)
    timer.unref()
  }

  await connect(false)
  return async () => {
    stopped = true
    clearTimeout(timer)
    await client?.end().catch(() => {})
  }
}

/** Wraps an open PGlite instance; tests pass in-memory ones, the server one persisted on disk. */
export function openPGlite(pglite: PGlite): Database {
  const observed = queryObservers()
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite), log: observed.log })
  return {
    db,
    engine: 'pglite',
    observeQueries: observed.observeQueries,
    poolStats: () => null,
    async executeScript(_trx, script) {
      await pglite.exec(script)
    },
    async listen(channel, handlers) {
      // one session: NOTIFY from any statement reaches this listener after its commit
      return pglite.listen(channel, (payload) => handlers.message(payload))
    },
    close: () => db.destroy(),
  }
}

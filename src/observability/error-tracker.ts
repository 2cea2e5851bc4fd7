import { createHash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/types.ts'

/**
 * Captures 5xx answers and unexpected exceptions with their context and keeps them grouped by
 * fingerprint in PostgreSQL. Capturing only queues: rows are written in the background, so a
 * request is never slowed, and a failing tracker (database down) is logged, never thrown.
 */

export interface Capture {
  error?: unknown
  status: number
  code: string
  method?: string | undefined
  route?: string | undefined
  requestId?: string | undefined
  userId?: number | null | undefined
  context?: Record<string, unknown>
  at?: Date
}

interface Occurrence {
  fingerprint: string
  code: string
  name: string
  message: string
  stack: string | null
  status: number
  method: string | null
  route: string | null
  requestId: string | null
  userId: number | null
  context: Record<string, unknown>
  at: Date
}

export interface ErrorGroup {
  fingerprint: string
  code: string
  name: string
  message: string
  method: string | null
  route: string | null
  status: number
  occurrences: number
  firstSeen: string
  lastSeen: string
  lastRequestId: string | null
  lastUserId: number | null
  release: string | null
}

export interface ErrorForwarder {
  forward(occurrence: Occurrence, error: unknown): void
}

interface Logger {
  warn(obj: object, msg: string): void
}

const QUEUE_MAX = 1_000
const FLUSH_DELAY_MS = 50
const MESSAGE_MAX = 500
const STACK_MAX = 4_000

/** Stack frames without line numbers or absolute paths: the same throw site in every release. */
export function fingerprintOf(code: string, error: unknown, route: string | null): string {
  const err = error instanceof Error ? error : null
  const frames = (err?.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 5)
    .map((line) =>
      line
        .trim()
        .replace(/\?[^:)]*/g, '')
        .replace(/:\d+(:\d+)?\)?$/, '')
        .replace(/\(?(file:\/\/)?\/.*\/(src|node_modules)\//, '$2/'),
    )
  const basis = [code, err?.name ?? 'Error', route ?? '-', ...frames]
  // without a stack, the message is all that tells two failures apart
  if (frames.length === 0) basis.push(err?.message ?? String(error ?? ''))
  return createHash('sha256').update(basis.join('\n')).digest('hex').slice(0, 32)
}

export class ErrorTracker {
  private queue: Occurrence[] = []
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()
  dropped = 0
  captured = 0

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: {
      release: string
      retentionDays: number
      log: Logger
      forwarder?: ErrorForwarder | null
    },
  ) {}

  capture(capture: Capture): string {
    const err = capture.error instanceof Error ? capture.error : null
    const route = capture.route ?? null
    const occurrence: Occurrence = {
      fingerprint: fingerprintOf(capture.code, capture.error, route),
      code: capture.code,
      name: err?.name ?? 'Error',
      message: (err?.message ?? String(capture.error ?? capture.code)).slice(0, MESSAGE_MAX),
      stack: err?.stack?.slice(0, STACK_MAX) ?? null,
      status: capture.status,
      method: capture.method ?? null,
      route,
      requestId: capture.requestId ?? null,
      userId: capture.userId ?? null,
      context: capture.context ?? {},
      at: capture.at ?? new Date(),
    }
    this.captured++
    try {
      this.options.forwarder?.forward(occurrence, capture.error)
    } catch (err) {
      this.options.log.warn({ err }, 'forwarding an error to Sentry failed')
    }
    if (this.queue.length >= QUEUE_MAX) {
      this.dropped++
      return occurrence.fingerprint
    }
    this.queue.push(occurrence)
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS)
    return occurrence.fingerprint
  }

  /** Writes what is queued; resolves when it is stored (tests and shutdown await it). */
  flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.queue
    this.queue = []
    this.flushing = this.flushing.then(() => this.write(batch))
    return this.flushing
  }

  private async write(batch: Occurrence[]) {
    for (const o of batch) {
      try {
        await sql`
          INSERT INTO error_groups AS g (fingerprint, code, name, message, method, route, status,
            occurrences, first_seen, last_seen, last_request_id, last_user_id, release)
          VALUES (${o.fingerprint}, ${o.code}, ${o.name}, ${o.message}, ${o.method}, ${o.route},
            ${o.status}, 1, ${o.at}, ${o.at}, ${o.requestId}, ${o.userId}, ${this.options.release})
          ON CONFLICT (fingerprint) DO UPDATE SET
            occurrences = g.occurrences + 1,
            last_seen = GREATEST(g.last_seen, EXCLUDED.last_seen),
            first_seen = LEAST(g.first_seen, EXCLUDED.first_seen),
            message = EXCLUDED.message,
            status = EXCLUDED.status,
            last_request_id = EXCLUDED.last_request_id,
            last_user_id = EXCLUDED.last_user_id,
            release = EXCLUDED.release`.execute(this.db)
        await sql`
          INSERT INTO error_occurrences (fingerprint, occurred_at, request_id, user_id, method,
            route, status, release, stack, context)
          VALUES (${o.fingerprint}, ${o.at}, ${o.requestId}, ${o.userId}, ${o.method}, ${o.route},
            ${o.status}, ${this.options.release}, ${o.stack},
            ${JSON.stringify(o.context)}::jsonb)`.execute(this.db)
      } catch (err) {
        this.options.log.warn(
          { err, fingerprint: o.fingerprint },
          'storing a captured error failed',
        )
      }
    }
  }

  async groups(limit = 50): Promise<ErrorGroup[]> {
    const { rows } = await sql<ErrorGroup>`
      SELECT fingerprint, code, name, message, method, route, status,
        occurrences::int AS occurrences,
        to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "firstSeen",
        to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastSeen",
        last_request_id AS "lastRequestId", last_user_id::int AS "lastUserId", release
      FROM error_groups ORDER BY last_seen DESC LIMIT ${limit}`.execute(this.db)
    return rows
  }

  /** Deletes occurrences and groups older than the retention period. */
  async sweep(now = new Date()): Promise<{ occurrences: number; groups: number }> {
    const cutoff = new Date(now.getTime() - this.options.retentionDays * 86_400_000)
    const occurrences =
      await sql`DELETE FROM error_occurrences WHERE occurred_at < ${cutoff}`.execute(this.db)
    const groups = await sql`DELETE FROM error_groups WHERE last_seen < ${cutoff}`.execute(this.db)
    return {
      occurrences: Number(occurrences.numAffectedRows ?? 0),
      groups: Number(groups.numAffectedRows ?? 0),
    }
  }
}

/** Sentry, loaded only when SENTRY_DSN is set. */
export async function sentryForwarder(
  dsn: string,
  release: string,
  environment: string,
): Promise<ErrorForwarder> {
  const Sentry = await import('@sentry/node')
  Sentry.init({ dsn, release, environment, tracesSampleRate: 0 })
  return {
    forward(o, error) {
      Sentry.captureException(error ?? new Error(o.message), {
        fingerprint: [o.fingerprint],
        tags: { code: o.code, route: o.route ?? '-', status: String(o.status) },
        ...(o.userId !== null ? { user: { id: String(o.userId) } } : {}),
        extra: { requestId: o.requestId, method: o.method, ...o.context },
      })
    },
  }
}

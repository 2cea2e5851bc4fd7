import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { appEvents, publishSecurityEvent, type SecurityEvent } from '../../lib/app-events.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { SecurityEventsRepository } from './security-events.repository.ts'
import type { SecurityEventsQuery } from './security-events.schemas.ts'

export interface SecurityEventsLogger {
  warn(obj: object, msg: string): void
}

const SORT = 'newest'
// At most this many distinct keys are remembered for throttling; past it the memory starts over.
const THROTTLE_KEYS_MAX = 10_000

/**
 * The security audit log. Every event travels on the `victoria:security-event` diagnostics
 * channel (observability subscribes to the same channel for alerts); this service subscribes
 * too and stores each event as a row. Storing happens off the request path: a slow or failing
 * database never delays or fails the request that raised the event, and `flush()` waits for
 * writes in flight (shutdown, tests).
 */
export class SecurityEventsService {
  private readonly repository: SecurityEventsRepository
  private readonly pending = new Set<Promise<void>>()
  private readonly lastSeen = new Map<string, number>()
  private readonly onEvent = (message: unknown) => this.store(message as SecurityEvent)

  constructor(
    db: Kysely<DB>,
    private readonly logger: SecurityEventsLogger,
  ) {
    this.repository = new SecurityEventsRepository(db)
  }

  start() {
    subscribe(appEvents.securityEvent.name, this.onEvent)
  }

  async stop() {
    unsubscribe(appEvents.securityEvent.name, this.onEvent)
    await this.flush()
  }

  /** Publishes an event (stored by the subscriber, seen by observability). */
  record(event: SecurityEvent) {
    publishSecurityEvent(event)
  }

  /**
   * Records an event at most once per `windowMs` for `key`: a flood of 429s or of one API key's
   * calls must not turn into a flood of rows.
   */
  recordThrottled(key: string, windowMs: number, event: SecurityEvent) {
    const now = Date.now()
    const last = this.lastSeen.get(key)
    if (last !== undefined && now - last < windowMs) return
    if (this.lastSeen.size >= THROTTLE_KEYS_MAX) this.lastSeen.clear()
    this.lastSeen.set(key, now)
    this.record(event)
  }

  async flush() {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  // One write at a time, in the order the events happened: ids follow time, and the audit log
  // never holds more than one pooled connection however many events a flood raises.
  private tail: Promise<void> = Promise.resolve()

  private store(event: SecurityEvent) {
    const write = this.tail
      .then(() =>
        this.repository.insert({
          type: event.type,
          severity: event.severity,
          userId: event.userId ?? null,
          ip: event.ip ?? null,
          detail: event.detail ?? {},
        }),
      )
      .catch((err: Error) => {
        this.logger.warn({ err: err.message, type: event.type }, 'security event not stored')
      })
      .finally(() => this.pending.delete(write))
    this.tail = write
    this.pending.add(write)
  }

  async list(query: SecurityEventsQuery) {
    const beforeId = query.cursor ? decodeCursor(query.cursor, SORT).id : undefined
    const rows = await this.repository.list({
      type: query.type,
      userId: query.userId,
      since: query.since ? new Date(query.since) : undefined,
      beforeId,
      limit: query.limit,
    })
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({ sort: SORT, value: Number(last.id), id: Number(last.id) })
        : null
    return {
      items: page.map((row) => ({
        id: Number(row.id),
        type: row.type,
        severity: row.severity,
        userId: row.user_id,
        ip: row.ip,
        detail: (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<
          string,
          unknown
        >,
        createdAt: new Date(row.created_at).toISOString(),
      })),
      nextCursor,
    }
  }

  deleteOlderThan(days: number) {
    return this.repository.deleteOlderThan(days)
  }
}

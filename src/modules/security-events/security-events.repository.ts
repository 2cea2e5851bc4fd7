import { type Generated, type Kysely, sql } from 'kysely'
import type { DB } from '../../db/types.ts'

export interface SecurityEventsTable {
  id: Generated<string>
  type: string
  severity: 'info' | 'warning' | 'critical'
  user_id: number | null
  ip: string | null
  detail: Generated<unknown>
  created_at: Generated<Date>
}

// Declared next to the module that owns the table (0009_security_events.sql); TypeScript merges
// it into the DB interface of src/db/types.ts.
declare module '../../db/types.ts' {
  interface DB {
    security_events: SecurityEventsTable
  }
}

export interface NewSecurityEvent {
  type: string
  severity: 'info' | 'warning' | 'critical'
  userId: number | null
  ip: string | null
  detail: Record<string, unknown>
}

export interface SecurityEventFilter {
  type?: string
  userId?: number
  since?: Date
  /** keyset: events with a smaller id than this */
  beforeId?: number
  limit: number
}

export class SecurityEventsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(event: NewSecurityEvent) {
    await this.db
      .insertInto('security_events')
      .values({
        type: event.type,
        severity: event.severity,
        user_id: event.userId,
        ip: event.ip,
        detail: JSON.stringify(event.detail),
      })
      .execute()
  }

  /** Newest first, `limit + 1` rows so the caller can tell whether another page follows. */
  list(filter: SecurityEventFilter) {
    let query = this.db
      .selectFrom('security_events')
      .select(['id', 'type', 'severity', 'user_id', 'ip', 'detail', 'created_at'])
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
    if (filter.type) query = query.where('type', '=', filter.type)
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId)
    if (filter.since) query = query.where('created_at', '>=', filter.since)
    if (filter.beforeId !== undefined) query = query.where('id', '<', String(filter.beforeId))
    return query.execute()
  }

  /** Deletes events older than `days`; returns how many went. */
  async deleteOlderThan(days: number): Promise<number> {
    const result = await this.db
      .deleteFrom('security_events')
      .where('created_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/types.ts'

/**
 * Idempotency keys in PostgreSQL, with Stripe's semantics: a key belongs to one reader and one
 * request fingerprint; its first answer is stored and replayed; while a request holds the key
 * (a lease, `locked_until`), another request with it is told to retry. The key is written in the
 * transaction that creates the order, so a key exists exactly when its work does.
 */

export interface KeyRequest {
  userId: number
  key: string
  method: string
  path: string
  hash: string
  ttlHours: number
  lockSeconds: number
}

export type KeyClaim =
  /** a new key, held by this request (lockToken) */
  | { kind: 'new'; lockToken: string }
  /** an earlier attempt stopped midway: this request holds it now and resumes from orderId */
  | { kind: 'resume'; lockToken: string; orderId: number | null }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in-use' }

export class IdempotencyRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async claim(request: KeyRequest): Promise<KeyClaim> {
    const { userId, key } = request
    // an expired key nobody holds is gone, as if the cleanup had run already
    await sql`
      DELETE FROM idempotency_keys
      WHERE user_id = ${userId} AND key = ${key} AND expires_at < now()
        AND (locked_until IS NULL OR locked_until < now())`.execute(this.db)
    const lockToken = randomUUID()
    const inserted = await sql<{ key: string }>`
      INSERT INTO idempotency_keys
        (user_id, key, request_method, request_path, request_hash, lock_token, locked_until,
         expires_at)
      VALUES (${userId}, ${key}, ${request.method}, ${request.path}, ${request.hash},
              ${lockToken}, now() + make_interval(secs => ${request.lockSeconds}),
              now() + make_interval(hours => ${request.ttlHours}))
      ON CONFLICT (user_id, key) DO NOTHING
      RETURNING key`.execute(this.db)
    if (inserted.rows.length > 0) return { kind: 'new', lockToken }

    const existing = await this.db
      .selectFrom('idempotency_keys')
      .select([
        'request_hash',
        'response_status',
        'response_body',
        'order_id',
        sql<boolean>`locked_until IS NOT NULL AND locked_until > now()`.as('locked'),
      ])
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .executeTakeFirst()
    if (!existing) return { kind: 'in-use' }
    if (existing.request_hash !== request.hash) return { kind: 'mismatch' }
    if (existing.response_status !== null) {
      return { kind: 'replay', status: existing.response_status, body: existing.response_body }
    }
    if (existing.locked) return { kind: 'in-use' }
    // the holder's lease ran out (it crashed, or lost its database connection): take it over
    const taken = await sql<{ order_id: number | null }>`
      UPDATE idempotency_keys
      SET lock_token = ${lockToken},
          locked_until = now() + make_interval(secs => ${request.lockSeconds})
      WHERE user_id = ${userId} AND key = ${key} AND response_status IS NULL
        AND (locked_until IS NULL OR locked_until <= now())
      RETURNING order_id`.execute(this.db)
    const row = taken.rows[0]
    return row ? { kind: 'resume', lockToken, orderId: row.order_id } : { kind: 'in-use' }
  }

  async setOrder(userId: number, key: string, orderId: number) {
    await this.db
      .updateTable('idempotency_keys')
      .set({ order_id: orderId })
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .execute()
  }

  /** Stores the answer and lets go of the key; false if this request no longer held it. */
  async complete(
    userId: number,
    key: string,
    lockToken: string,
    status: number,
    body: unknown,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('idempotency_keys')
      .set({
        response_status: status,
        response_body: JSON.stringify(body),
        lock_token: null,
        locked_until: null,
      })
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .where('lock_token', '=', lockToken)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /** Lets go of the key without an answer, so a retry can resume at once. */
  async release(userId: number, key: string, lockToken: string) {
    await this.db
      .updateTable('idempotency_keys')
      .set({ lock_token: null, locked_until: null })
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .where('lock_token', '=', lockToken)
      .execute()
  }

  async findAnswer(userId: number, key: string) {
    return this.db
      .selectFrom('idempotency_keys')
      .select(['response_status', 'response_body'])
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .executeTakeFirst()
  }

  /** Deletes keys past their expiry that no request holds; returns how many. */
  async deleteExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<', sql<Date>`now()`)
      .where((eb) =>
        eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

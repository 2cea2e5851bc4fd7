import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../../db/types.ts'

type Executor = Kysely<DB> | Transaction<DB>

/** Refresh-token rows: one per issued token, grouped in families (one family per login). */
export class SessionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  insert(
    values: {
      userId: number
      familyId: string
      tokenHash: Buffer
      expiresAt: Date
      familyExpiresAt: Date
      userAgent: string | null
    },
    db: Executor = this.db,
  ) {
    return db
      .insertInto('refresh_tokens')
      .values({
        user_id: values.userId,
        family_id: values.familyId,
        token_hash: values.tokenHash,
        expires_at: values.expiresAt,
        family_expires_at: values.familyExpiresAt,
        user_agent: values.userAgent,
      })
      .execute()
  }

  /** Locks the row so that two concurrent refreshes with one token cannot both rotate it. */
  findForUpdate(tokenHash: Buffer, trx: Transaction<DB>) {
    return trx
      .selectFrom('refresh_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id',
        't.user_id',
        't.family_id',
        't.expires_at',
        't.family_expires_at',
        't.used_at',
        't.revoked_at',
        'u.role',
        'u.session_version',
        'u.disabled_at',
      ])
      .where('t.token_hash', '=', tokenHash)
      .forUpdate('t')
      .executeTakeFirst()
  }

  markUsed(id: number, trx: Transaction<DB>) {
    return trx
      .updateTable('refresh_tokens')
      .set({ used_at: sql`now()` })
      .where('id', '=', id)
      .execute()
  }

  revokeFamily(familyId: string, db: Executor = this.db) {
    return db
      .updateTable('refresh_tokens')
      .set({ revoked_at: sql`now()` })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute()
  }

  revokeAllForUser(userId: number, db: Executor = this.db) {
    return db
      .updateTable('refresh_tokens')
      .set({ revoked_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute()
  }

  findFamilyOwner(tokenHash: Buffer) {
    return this.db
      .selectFrom('refresh_tokens')
      .select(['family_id', 'user_id'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
  }
}

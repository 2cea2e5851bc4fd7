import createError from '@fastify/error'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/types.ts'
import type { UpdateUserBody } from './accounts.schemas.ts'
import { toUser } from './accounts.service.ts'
import { SessionsRepository } from './sessions.repository.ts'

export const UserNotFound = createError('USER_NOT_FOUND', 'No user has id %s', 404)

/** What administrators do to accounts. */
export class AdminAccountsService {
  private readonly sessions: SessionsRepository

  constructor(private readonly db: Kysely<DB>) {
    this.sessions = new SessionsRepository(db)
  }

  /** Disabling (or demoting) ends every session: the session version moves on. */
  async updateUser(id: number, changes: UpdateUserBody) {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('users')
        .set({
          ...(changes.role !== undefined ? { role: changes.role } : {}),
          ...(changes.disabled !== undefined
            ? { disabled_at: changes.disabled ? sql`coalesce(disabled_at, now())` : null }
            : {}),
          session_version: sql`session_version + 1`,
          updated_at: sql`now()`,
        })
        .where('id', '=', id)
        .returning(['id', 'email', 'display_name', 'role', 'created_at', 'updated_at'])
        .executeTakeFirst()
      if (!row) throw new UserNotFound(id)
      await this.sessions.revokeAllForUser(id, trx)
      return toUser(row)
    })
  }
}

import { type Kysely, sql, type Transaction } from 'kysely'
import type { DB } from '../../db/types.ts'

type Executor = Kysely<DB> | Transaction<DB>

const PUBLIC_COLUMNS = ['id', 'email', 'display_name', 'role', 'created_at', 'updated_at'] as const

export class UsersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  findByEmail(email: string) {
    return this.db
      .selectFrom('users')
      .select(['id', 'password_hash', 'role', 'session_version', 'disabled_at'])
      .where(sql`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst()
  }

  /** What every authenticated request checks: still enabled, same session version. */
  findSessionState(id: number) {
    return this.db
      .selectFrom('users')
      .select(['role', 'session_version', 'disabled_at'])
      .where('id', '=', id)
      .executeTakeFirst()
  }

  findProfile(id: number) {
    return this.db
      .selectFrom('users')
      .select(PUBLIC_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst()
  }

  findPasswordHash(id: number) {
    return this.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', id)
      .executeTakeFirst()
  }

  create(
    values: { email: string; displayName: string; passwordHash: string; role?: 'user' | 'admin' },
    db: Executor = this.db,
  ) {
    return db
      .insertInto('users')
      .values({
        email: values.email,
        display_name: values.displayName,
        password_hash: values.passwordHash,
        role: values.role ?? 'user',
      })
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirstOrThrow()
  }

  updateProfile(
    id: number,
    changes: { email?: string; displayName?: string; passwordHash?: string },
    db: Executor = this.db,
  ) {
    return db
      .updateTable('users')
      .set({
        ...(changes.email !== undefined ? { email: changes.email } : {}),
        ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
        ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirst()
  }

  /** Ends every session at once: access tokens carry the old version and stop working. */
  bumpSessionVersion(id: number, db: Executor = this.db) {
    return db
      .updateTable('users')
      .set({ session_version: sql`session_version + 1`, updated_at: sql`now()` })
      .where('id', '=', id)
      .returning('session_version')
      .executeTakeFirst()
  }

  setDisabled(id: number, disabled: boolean, db: Executor = this.db) {
    return db
      .updateTable('users')
      .set({
        disabled_at: disabled ? sql`now()` : null,
        session_version: sql`session_version + 1`,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returning(['id'])
      .executeTakeFirst()
  }

  delete(id: number, db: Executor = this.db) {
    return db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
  }
}

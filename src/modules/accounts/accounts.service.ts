import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { cleanTitle } from '../../lib/plain-text.ts'
import { isUniqueViolation } from '../../lib/postgres-errors.ts'
import {
  EmailTaken,
  InvalidCredentials,
  InvalidDisplayName,
  WeakPassword,
  WrongPassword,
} from './accounts.errors.ts'
import type { RegisterBody, UpdateMeBody, User } from './accounts.schemas.ts'
import { hashPassword, isCommonPassword, verifyPassword } from './passwords.ts'
import type { SessionsService } from './sessions.service.ts'
import { UsersRepository } from './users.repository.ts'

type ProfileRow = NonNullable<Awaited<ReturnType<UsersRepository['findProfile']>>>

export function toUser(row: ProfileRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

/** The rules beyond length (the schemas check that) that registration and admin:create share. */
export function checkPasswordStrength(password: string, email: string) {
  if (isCommonPassword(password)) {
    throw new WeakPassword('This password is on a list of commonly used passwords; choose another')
  }
  if (password.toLowerCase() === email.toLowerCase()) {
    throw new WeakPassword('The password must not be the email address')
  }
}

/** Registration, login and the account itself. Sessions live in SessionsService. */
export class AccountsService {
  private readonly users: UsersRepository

  constructor(
    private readonly db: Kysely<DB>,
    private readonly sessions: SessionsService,
  ) {
    this.users = new UsersRepository(db)
  }

  async register(input: RegisterBody, userAgent: string | null) {
    const email = input.email.trim()
    checkPasswordStrength(input.password, email)
    const passwordHash = await hashPassword(input.password)
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = await this.users.create(
          { email, displayName: cleanDisplayName(input.displayName), passwordHash },
          trx,
        )
        const session = await this.sessions.start({ ...row, session_version: 1 }, userAgent, trx)
        return { user: toUser(row), session }
      })
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_lower_key')) throw new EmailTaken()
      throw error
    }
  }

  /**
   * Unknown email, wrong password, an imported account without a password and a disabled
   * account all answer the same, after the same argon2 work, so nothing can be learned about
   * which emails exist.
   */
  async login(email: string, password: string, userAgent: string | null) {
    const row = await this.users.findByEmail(email.trim())
    const valid = await verifyPassword(row?.password_hash ?? null, password)
    if (!row || !valid || row.disabled_at) throw new InvalidCredentials()
    const session = await this.sessions.start(row, userAgent)
    const profile = await this.users.findProfile(row.id)
    return { user: toUser(profile!), session }
  }

  async getMe(userId: number) {
    const row = await this.users.findProfile(userId)
    if (!row) throw new InvalidCredentials()
    return toUser(row)
  }

  /** Changing email or password needs the current password; a new password ends other sessions. */
  async updateMe(userId: number, changes: UpdateMeBody, userAgent: string | null) {
    const sensitive = changes.email !== undefined || changes.newPassword !== undefined
    if (sensitive) {
      const stored = await this.users.findPasswordHash(userId)
      const ok = await verifyPassword(stored?.password_hash ?? null, changes.currentPassword ?? '')
      if (!ok) throw new WrongPassword()
    }
    const current = await this.users.findProfile(userId)
    if (changes.newPassword !== undefined) {
      checkPasswordStrength(changes.newPassword, changes.email ?? current?.email ?? '')
    }
    const displayName =
      changes.displayName === undefined ? undefined : cleanDisplayName(changes.displayName)
    const passwordHash = changes.newPassword ? await hashPassword(changes.newPassword) : undefined
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = await this.users.updateProfile(
          userId,
          { email: changes.email?.trim(), displayName, passwordHash },
          trx,
        )
        if (!row) throw new InvalidCredentials()
        if (!passwordHash) return { user: toUser(row), session: null }
        const sessionVersion = await this.sessions.endAll(userId, trx)
        const session = await this.sessions.start(
          { id: userId, role: row.role, session_version: sessionVersion },
          userAgent,
          trx,
        )
        return { user: toUser(row), session }
      })
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_lower_key')) throw new EmailTaken()
      throw error
    }
  }

  /**
   * Deletes the account and everything personal that hangs off it (sessions, library, reviews:
   * their foreign keys cascade). Records that must outlive the account, such as orders, refer
   * to users with ON DELETE SET NULL and so remain, anonymised.
   */
  async deleteMe(userId: number, password: string) {
    const stored = await this.users.findPasswordHash(userId)
    if (!(await verifyPassword(stored?.password_hash ?? null, password))) throw new WrongPassword()
    await this.users.delete(userId)
  }
}

/** Display names are shown to other readers: stored as one line of plain text, never markup. */
function cleanDisplayName(raw: string): string {
  const name = cleanTitle(raw)
  if (name === null) throw new InvalidDisplayName()
  return name
}

import { randomBytes, randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../../db/types.ts'
import { publishSecurityEvent } from '../../lib/app-events.ts'
import { sha256 } from '../../lib/hash.ts'
import type { AccessTokens } from './access-tokens.ts'
import { InvalidRefreshToken, SessionRevoked } from './accounts.errors.ts'
import type { Session } from './accounts.schemas.ts'
import { SessionsRepository } from './sessions.repository.ts'
import { UsersRepository } from './users.repository.ts'

export interface SessionSettings {
  refreshTtlSeconds: number
  maxAgeSeconds: number
}

interface SessionUser {
  id: number
  role: 'user' | 'admin'
  session_version: number
}

type RefreshOutcome =
  | { session: Session }
  | { reused: string }
  | { invalid: true }
  | { revoked: true }

/**
 * Login sessions: an access token plus a single-use refresh token. Refreshing rotates the
 * refresh token; presenting one that was already used revokes its whole family (the token
 * leaked, and either holder may be the thief). A family never outlives `maxAgeSeconds`.
 */
export class SessionsService {
  private readonly sessions: SessionsRepository
  private readonly users: UsersRepository

  constructor(
    private readonly db: Kysely<DB>,
    private readonly tokens: AccessTokens,
    private readonly settings: SessionSettings,
  ) {
    this.sessions = new SessionsRepository(db)
    this.users = new UsersRepository(db)
  }

  /** Starts a new family (a login or registration). */
  async start(
    user: SessionUser,
    userAgent: string | null,
    trx?: Transaction<DB>,
  ): Promise<Session> {
    const familyExpiresAt = new Date(Date.now() + this.settings.maxAgeSeconds * 1000)
    return this.issue(user, randomUUID(), familyExpiresAt, userAgent, trx ?? this.db)
  }

  async refresh(refreshToken: string, userAgent: string | null): Promise<Session> {
    const outcome = await this.db.transaction().execute(async (trx): Promise<RefreshOutcome> => {
      const row = await this.sessions.findForUpdate(sha256(refreshToken), trx)
      if (!row || row.revoked_at) return { invalid: true }
      if (row.used_at) {
        // revoked inside this transaction, committed before the client hears "invalid"
        await this.sessions.revokeFamily(row.family_id, trx)
        publishSecurityEvent({
          type: 'refresh_token_reused',
          severity: 'critical',
          userId: row.user_id,
          detail: { familyId: row.family_id },
        })
        return { reused: row.family_id }
      }
      const now = Date.now()
      if (row.expires_at.getTime() <= now || row.family_expires_at.getTime() <= now) {
        return { invalid: true }
      }
      if (row.disabled_at) return { revoked: true }
      await this.sessions.markUsed(row.id, trx)
      const user = { id: row.user_id, role: row.role, session_version: row.session_version }
      const session = await this.issue(user, row.family_id, row.family_expires_at, userAgent, trx)
      return { session }
    })
    if ('session' in outcome) return outcome.session
    if ('revoked' in outcome) throw new SessionRevoked()
    throw new InvalidRefreshToken()
  }

  /** Ends the family of one refresh token (logout on this device). Unknown tokens are ignored. */
  async end(refreshToken: string): Promise<void> {
    const row = await this.sessions.findFamilyOwner(sha256(refreshToken))
    if (row) await this.sessions.revokeFamily(row.family_id)
  }

  /**
   * Ends every session of a user at once, refresh families and outstanding access tokens alike;
   * returns the new session version. Inside `trx` when given: on PGlite's single connection a
   * second connection could not be had while a transaction holds it.
   */
  async endAll(userId: number, trx?: Transaction<DB>): Promise<number> {
    const run = async (t: Transaction<DB>) => {
      const row = await this.users.bumpSessionVersion(userId, t)
      await this.sessions.revokeAllForUser(userId, t)
      return row?.session_version ?? 0
    }
    return trx ? run(trx) : this.db.transaction().execute(run)
  }

  private async issue(
    user: SessionUser,
    familyId: string,
    familyExpiresAt: Date,
    userAgent: string | null,
    db: Kysely<DB> | Transaction<DB>,
  ): Promise<Session> {
    const refreshToken = randomBytes(32).toString('base64url')
    const expiresAt = new Date(
      Math.min(Date.now() + this.settings.refreshTtlSeconds * 1000, familyExpiresAt.getTime()),
    )
    await this.sessions.insert(
      {
        userId: user.id,
        familyId,
        tokenHash: sha256(refreshToken),
        expiresAt,
        familyExpiresAt,
        userAgent: userAgent?.slice(0, 500) ?? null,
      },
      db,
    )
    const accessToken = await this.tokens.sign({
      userId: user.id,
      role: user.role,
      sessionVersion: user.session_version,
    })
    return {
      tokenType: 'Bearer',
      accessToken,
      expiresIn: this.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresAt: expiresAt.toISOString(),
    }
  }
}

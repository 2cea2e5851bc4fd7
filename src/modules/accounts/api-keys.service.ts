import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { sha256 } from '../../lib/hash.ts'
import { cleanTitle } from '../../lib/plain-text.ts'
import { ApiKeyNotFound, InvalidApiKeyName } from './accounts.errors.ts'
import { type ApiKeyRow, ApiKeysRepository } from './api-keys.repository.ts'

export const API_KEY_SCOPES = ['catalog:read', 'catalog:write', 'admin'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]
export const API_KEY_TIERS = ['standard', 'partner', 'internal'] as const
export type ApiKeyTier = (typeof API_KEY_TIERS)[number]

export interface ApiKeyPrincipal {
  keyId: number
  scopes: ApiKeyScope[]
  tier: ApiKeyTier
}

// "vk_" and 22 base64url characters: 128 random bits, recognisable in logs and secret scanners
const KEY_PATTERN = /^vk_[A-Za-z0-9_-]{22}$/

/** API keys for server-to-server clients: shown once at creation, stored only as a hash. */
export class ApiKeysService {
  private readonly keys: ApiKeysRepository

  constructor(db: Kysely<DB>) {
    this.keys = new ApiKeysRepository(db)
  }

  async create(
    input: { name: string; scopes: ApiKeyScope[]; tier: ApiKeyTier },
    createdBy: number | null,
  ) {
    // shown on admin pages: one line of plain text
    const name = cleanTitle(input.name)
    if (name === null) throw new InvalidApiKeyName()
    const key = `vk_${randomBytes(16).toString('base64url')}`
    const row = await this.keys.insert({
      name,
      prefix: key.slice(0, 9),
      keyHash: sha256(key),
      scopes: [...new Set(input.scopes)],
      tier: input.tier,
      createdBy,
    })
    return { ...toApiKey(row), key }
  }

  /** The principal a presented key stands for, or null when it is malformed, unknown or revoked. */
  async verify(key: string): Promise<ApiKeyPrincipal | null> {
    if (!KEY_PATTERN.test(key)) return null
    const row = await this.keys.findActiveByHash(sha256(key))
    if (!row) return null
    const stale = !row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000
    if (stale) await this.keys.touch(row.id)
    return { keyId: row.id, scopes: row.scopes as ApiKeyScope[], tier: row.tier }
  }

  async list() {
    return (await this.keys.list()).map(toApiKey)
  }

  async revoke(id: number) {
    const row = await this.keys.revoke(id)
    if (!row) throw new ApiKeyNotFound(id)
    return toApiKey(row)
  }
}

function toApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    tier: row.tier,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
  }
}

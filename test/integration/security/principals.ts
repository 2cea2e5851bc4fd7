import assert from 'node:assert/strict'
import type { Kysely } from 'kysely'
import type { App } from '../../../src/app.ts'
import type { DB } from '../../../src/db/types.ts'
import { type ApiKeyScope, ApiKeysService } from '../../../src/modules/accounts/api-keys.service.ts'

/**
 * The callers the admin and security tests act as: users registered through the API (so their
 * tokens are real), admins (a user promoted in the database), and API keys with given scopes.
 */

export interface TestUser {
  id: number
  email: string
  password: string
  accessToken: string
  refreshToken: string
  auth: { authorization: string }
}

let counter = 0

export async function registerUser(app: App, label = 'reader'): Promise<TestUser> {
  counter++
  const email = `${label}${counter}-${process.pid}@example.com`
  const password = `a long passphrase ${counter} for ${label}`
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email, password, displayName: `${label} ${counter}` },
  })
  assert.equal(response.statusCode, 201, response.body)
  const { user, session } = response.json()
  return {
    id: user.id,
    email,
    password,
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    auth: { authorization: `Bearer ${session.accessToken}` },
  }
}

/** A registered user made admin in the database; the same access token now passes admin hooks. */
export async function registerAdmin(app: App, db: Kysely<DB>): Promise<TestUser> {
  const user = await registerUser(app, 'admin')
  await db.updateTable('users').set({ role: 'admin' }).where('id', '=', user.id).execute()
  return user
}

export async function createApiKey(
  db: Kysely<DB>,
  scopes: ApiKeyScope[],
): Promise<{ 'x-api-key': string }> {
  const created = await new ApiKeysService(db).create(
    { name: `test key ${scopes.join(' ')}`, scopes, tier: 'standard' },
    null,
  )
  return { 'x-api-key': created.key }
}

import type { Kysely } from 'kysely'
import type { DB } from '../../../src/db/types.ts'
import { type ApiKeyScope, ApiKeysService } from '../../../src/modules/accounts/api-keys.service.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'

/**
 * The callers the admin and security tests act as, beyond test/helpers/users.ts's readers:
 * admins (a registered user promoted in the database, so their token is a real one) and API
 * keys with given scopes.
 */

type Injector = Parameters<typeof registerUser>[0]

export async function registerAdmin(app: Injector, db: Kysely<DB>): Promise<TestUser> {
  const user = await registerUser(app, { displayName: 'Admin' })
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

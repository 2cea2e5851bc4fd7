import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/types.ts'

const LIST_COLUMNS = [
  'id',
  'name',
  'prefix',
  'scopes',
  'tier',
  'created_by',
  'last_used_at',
  'revoked_at',
  'created_at',
] as const

export class ApiKeysRepository {
  constructor(private readonly db: Kysely<DB>) {}

  insert(values: {
    name: string
    prefix: string
    keyHash: Buffer
    scopes: string[]
    tier: 'standard' | 'partner' | 'internal'
    createdBy: number | null
  }) {
    return this.db
      .insertInto('api_keys')
      .values({
        name: values.name,
        prefix: values.prefix,
        key_hash: values.keyHash,
        scopes: values.scopes,
        tier: values.tier,
        created_by: values.createdBy,
      })
      .returning(LIST_COLUMNS)
      .executeTakeFirstOrThrow()
  }

  findActiveByHash(keyHash: Buffer) {
    return this.db
      .selectFrom('api_keys')
      .select(['id', 'scopes', 'tier', 'last_used_at'])
      .where('key_hash', '=', keyHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
  }

  /** At most one write a minute per key: tracking use must not turn every read into a write. */
  touch(id: number) {
    return this.db
      .updateTable('api_keys')
      .set({ last_used_at: sql`now()` })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('last_used_at', 'is', null),
          eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`),
        ]),
      )
      .execute()
  }

  list() {
    return this.db.selectFrom('api_keys').select(LIST_COLUMNS).orderBy('id').execute()
  }

  revoke(id: number) {
    return this.db
      .updateTable('api_keys')
      .set({ revoked_at: sql`coalesce(revoked_at, now())` })
      .where('id', '=', id)
      .returning(LIST_COLUMNS)
      .executeTakeFirst()
  }
}

export type ApiKeyRow = Awaited<ReturnType<ApiKeysRepository['list']>>[number]

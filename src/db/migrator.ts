import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import type { Database } from './database.ts'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../db/migrations/', import.meta.url))

// Any fixed 64-bit number; every Victoria process migrating the same database takes this lock.
const MIGRATION_LOCK_KEY = 7_402_190_331

export interface Migration {
  version: number
  name: string
  script: string
  checksum: string
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Reads `NNNN_name.sql` files in version order; anything else in the folder is an error. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file)
    if (!match) throw new MigrationError(`migration file name must be NNNN_name.sql: ${file}`)
    const script = await readFile(join(dir, file), 'utf8')
    const version = Number(match[1])
    if (migrations.some((m) => m.version === version)) {
      throw new MigrationError(`two migrations share version ${version}`)
    }
    migrations.push({ version, name: match[2]!, script, checksum: sha256(script) })
  }
  return migrations
}

export interface MigrationResult {
  applied: string[]
  alreadyApplied: number
}

/**
 * Applies pending migrations in order, each in its own transaction together with its row in
 * schema_migrations. A transaction-scoped advisory lock serialises concurrent migrators (two
 * instances starting at once): the second waits, then sees the first one's rows and skips.
 * A landed migration whose file has changed since is refused rather than silently ignored.
 */
export async function migrate(database: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = await loadMigrations(dir)
  const result: MigrationResult = { applied: [], alreadyApplied: 0 }
  for (const migration of migrations) {
    const applied = await database.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx)
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`.execute(trx)
      const existing = await trx
        .selectFrom('schema_migrations')
        .select(['checksum'])
        .where('version', '=', migration.version)
        .executeTakeFirst()
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          throw new MigrationError(
            `migration ${label(migration)} was edited after it was applied; add a new migration instead`,
          )
        }
        return false
      }
      await database.executeScript(trx, migration.script)
      await trx
        .insertInto('schema_migrations')
        .values({ version: migration.version, name: migration.name, checksum: migration.checksum })
        .execute()
      return true
    })
    if (applied) result.applied.push(label(migration))
    else result.alreadyApplied++
  }
  return result
}

/** Migrations on disk that the database has not applied yet (readiness reports them). */
export async function pendingMigrations(database: Database, dir = MIGRATIONS_DIR) {
  const migrations = await loadMigrations(dir)
  const exists = await sql<{
    found: string | null
  }>`SELECT to_regclass('schema_migrations')::text AS found`.execute(database.db)
  if (!exists.rows[0]?.found) return migrations.map(label)
  const rows = await database.db.selectFrom('schema_migrations').select('version').execute()
  const done = new Set(rows.map((r) => r.version))
  return migrations.filter((m) => !done.has(m.version)).map(label)
}

const label = (m: Migration) => `${String(m.version).padStart(4, '0')}_${m.name}`
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompiledQuery, sql } from 'kysely'
import { loadConfig } from '../../src/config.ts'
import { type Database, type Engine, openDatabase } from '../../src/db/database.ts'
import { migrate } from '../../src/db/migrator.ts'
import { importGoodbooks } from '../../src/import/goodbooks-import.ts'
import { importSynthetic } from '../../src/import/synthetic.ts'
import { GOODBOOKS_DIR } from './paths.ts'
import { createScratchDatabase } from './postgres.ts'

/** A fresh, migrated and seeded catalog that a benchmark owns and removes afterwards. */

export type Row = Record<string, unknown>

/** Raw SQL with parameters, on whichever engine the database runs. */
export async function query(database: Database, text: string, params: unknown[] = []) {
  const result = await database.db.executeQuery<Row>(CompiledQuery.raw(text, params))
  return result.rows
}

export interface Catalog {
  engine: Engine
  /** open in this process until `close()` (PGlite allows one process per data dir) */
  database: Database
  /** what Victoria's environment needs to open the same catalog */
  env: Record<string, string>
  close(): Promise<void>
  /**
   * The same catalog for one more process: the same URL (PostgreSQL), or a copy of the data dir
   * (PGlite: one process per dir). Call after close(), before any server opens the original.
   * `victoria` is the environment for Victoria, `driver` for the raw-SQL reference.
   */
  share(): Promise<{ victoria: Record<string, string>; driver: Record<string, string> }>
  /** drops the database or deletes the data dir */
  remove(): Promise<void>
}

const quiet = { warn() {} }

export async function createCatalog(
  engine: Engine,
  adminUrl: string,
  options: { seed: boolean; synthetic?: number; analyze?: boolean } = { seed: true },
): Promise<Catalog> {
  const catalog = engine === 'postgres' ? await postgresCatalog(adminUrl) : await pgliteCatalog()
  try {
    await migrate(catalog.database)
    if (options.seed) await importGoodbooks(catalog.database, { dir: GOODBOOKS_DIR })
    // generated books on top of the real ones, to see how the same reads scale
    if (options.synthetic) {
      await importSynthetic(catalog.database, { count: options.synthetic, seed: 1 })
    }
    // planner statistics as a settled database has them (autovacuum would get there later)
    if (options.analyze ?? options.seed) await sql`ANALYZE`.execute(catalog.database.db)
  } catch (error) {
    await catalog.close().catch(() => {})
    await catalog.remove().catch(() => {})
    throw error
  }
  return catalog
}

async function postgresCatalog(adminUrl: string): Promise<Catalog> {
  const scratch = await createScratchDatabase(adminUrl, 'victoria_bench')
  const config = loadConfig({ DATABASE_URL: scratch.url, LOG_LEVEL: 'silent' })
  const database = await openDatabase(config, quiet)
  let open = true
  return {
    engine: 'postgres',
    database,
    env: { DATABASE_URL: scratch.url },
    async close() {
      if (open) await database.close()
      open = false
    },
    share: async () => ({
      victoria: { DATABASE_URL: scratch.url },
      driver: { DATABASE_URL: scratch.url },
    }),
    remove: () => scratch.drop(),
  }
}

async function pgliteCatalog(): Promise<Catalog> {
  const root = await mkdtemp(join(tmpdir(), 'victoria-bench-'))
  const dataDir = join(root, 'victoria')
  const config = loadConfig({ VICTORIA_DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
  const database = await openDatabase(config, quiet)
  let open = true
  let copies = 0
  return {
    engine: 'pglite',
    database,
    env: { VICTORIA_DATA_DIR: dataDir },
    async close() {
      if (open) await database.close()
      open = false
    },
    async share() {
      const copy = join(root, `copy-${++copies}`)
      await cp(dataDir, copy, { recursive: true })
      return { victoria: { VICTORIA_DATA_DIR: copy }, driver: { PGLITE_DIR: copy } }
    },
    remove: () => rm(root, { recursive: true, force: true }),
  }
}

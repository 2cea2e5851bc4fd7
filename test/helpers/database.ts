import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { loadConfig } from '../../src/config.ts'
import { createPGlite, type Database, openDatabase, openPGlite } from '../../src/db/database.ts'
import { loadMigrations, migrate } from '../../src/db/migrator.ts'

/**
 * Every test file gets a database of its own, so files run in parallel and never see each other's
 * rows. With DATABASE_URL set (CI) it is a fresh PostgreSQL database on that server; otherwise an
 * in-memory PGlite. Seeded databases are copied from a template built once per schema version:
 * `CREATE DATABASE ... TEMPLATE` on PostgreSQL, a `dumpDataDir` tarball on PGlite.
 */

/** The environment every test app starts from (overrides go on top, through loadConfig). */
export const TEST_ENV: Record<string, string | undefined> = {
  ...process.env,
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  JWT_SECRET: 'test-secret-that-is-at-least-32-characters-long',
  STATS_REFRESH_INTERVAL_SECONDS: '0',
  RECS_REFRESH_INTERVAL_SECONDS: '0',
  // Rate limits stay on (every test exercises their code path) but far above what any test
  // sends; the security tests build apps with strict limits of their own. Load shedding is off:
  // a busy CI machine must not shed other tests' requests (load-shedding.test.ts turns it on).
  RATE_LIMIT_GLOBAL: '1000000/900,1000000/1',
  RATE_LIMIT_AUTH: '1000000/900,1000000/1',
  RATE_LIMIT_SEARCH: '1000000/60,1000000/1',
  RATE_LIMIT_PAYMENT: '1000000/60,1000000/1',
  RATE_LIMIT_REVIEWS: '1000000/60,1000000/1',
  LOAD_SHEDDING_ENABLED: 'false',
}
export const testConfig = loadConfig(TEST_ENV)
export const TEST_ENGINE = testConfig.DATABASE_URL ? 'postgres' : 'pglite'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const GOODBOOKS_DIR = join(ROOT, 'data/goodbooks')
const silentLogger = { warn() {} }

/** Loaded on demand: only seeded databases need the importer. */
async function importCatalog(database: Database) {
  const { importGoodbooks } = await import('../../src/import/goodbooks-import.ts')
  await importGoodbooks(database, { dir: GOODBOOKS_DIR })
}

/** Anything that runs cleanup at the end: a test's `t`, or node:test's top-level `after`. */
export interface Cleanup {
  after(fn: () => unknown): void
}

export interface TestDatabaseOptions {
  /** import the goodbooks catalog (10,000 books) */
  seed?: boolean
}

export interface TestDatabase extends Database {
  /** a URL other processes can open (PostgreSQL only) */
  url?: string
}

export async function createTestDatabase(
  t: Cleanup,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const database = await openTestDatabase(options)
  t.after(() => database.close())
  return database
}

/** A test database the caller closes (after whatever uses it, such as an app). */
export function openTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  return TEST_ENGINE === 'postgres'
    ? createPostgresDatabase(options)
    : createPGliteDatabase(options)
}

/** The schema and importer fingerprint: a template built from older code is never reused. */
async function templateVersion(): Promise<string> {
  const hash = createHash('sha256')
  for (const m of await loadMigrations()) hash.update(m.checksum)
  const importDir = join(ROOT, 'src/import')
  for (const file of (await readdir(importDir)).sort()) {
    hash.update(file).update(await readFile(join(importDir, file)))
  }
  return hash.digest('hex').slice(0, 12)
}

// --- PostgreSQL -----------------------------------------------------------------------------

function urlFor(name: string): string {
  const url = new URL(testConfig.DATABASE_URL!)
  url.pathname = `/${name}`
  return url.toString()
}

function openPostgres(url: string) {
  return openDatabase({ ...testConfig, DATABASE_URL: url, DB_POOL_MAX: 5 }, silentLogger)
}

/**
 * For CREATE DATABASE ... TEMPLATE and DROP DATABASE: copying a seeded catalog or forcing a drop
 * can take longer than the app's statement_timeout when many test files share a loaded machine.
 */
function openPostgresAdmin() {
  return openDatabase(
    {
      ...testConfig,
      DATABASE_URL: testConfig.DATABASE_URL,
      DB_POOL_MAX: 2,
      DB_STATEMENT_TIMEOUT_MS: 300_000,
      DB_CONNECTION_TIMEOUT_MS: 60_000,
    },
    silentLogger,
  )
}

async function createPostgresDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const admin = await openPostgresAdmin()
  const name = `victoria_test_${process.pid}_${randomBytes(4).toString('hex')}`
  try {
    const template = options.seed ? await ensurePostgresTemplate(admin) : null
    const from = template ? sql` TEMPLATE ${sql.id(template)}` : sql``
    await sql`CREATE DATABASE ${sql.id(name)}${from}`.execute(admin.db)
  } finally {
    await admin.close()
  }
  const url = urlFor(name)
  const database = await openPostgres(url)
  if (!options.seed) await migrate(database)
  return {
    ...database,
    url,
    async close() {
      await database.close()
      const dropper = await openPostgresAdmin()
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(dropper.db)
      await dropper.close()
    },
  }
}

/** Builds `victoria_tpl_<version>` once; concurrent test files wait on an advisory lock. */
async function ensurePostgresTemplate(admin: Database): Promise<string> {
  const name = `victoria_tpl_${await templateVersion()}`
  return admin.db.connection().execute(async (conn) => {
    // another file may be building the template (a minute on a slow machine): wait for it
    // however long that takes, not for the pool's statement_timeout
    await sql`SET statement_timeout = 0`.execute(conn)
    await sql`SELECT pg_advisory_lock(74021903)`.execute(conn)
    try {
      const found = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`.execute(conn)
      if (found.rows.length > 0) return name
      const building = `${name}_building`
      await sql`DROP DATABASE IF EXISTS ${sql.id(building)} WITH (FORCE)`.execute(conn)
      await sql`CREATE DATABASE ${sql.id(building)}`.execute(conn)
      const template = await openPostgres(urlFor(building))
      try {
        await migrate(template)
        await importCatalog(template)
      } finally {
        await template.close()
      }
      // renamed only when complete, so a crashed build is never used as a template
      await sql`ALTER DATABASE ${sql.id(building)} RENAME TO ${sql.id(name)}`.execute(conn)
      // templates of older schema or importer versions are never used again
      const stale = await sql<{ datname: string }>`
        SELECT datname FROM pg_database
        WHERE datname LIKE 'victoria\_tpl\_%' AND datname <> ${name}`.execute(conn)
      for (const { datname } of stale.rows) {
        await sql`DROP DATABASE IF EXISTS ${sql.id(datname)} WITH (FORCE)`.execute(conn)
      }
      return name
    } finally {
      await sql`SELECT pg_advisory_unlock(74021903)`.execute(conn)
    }
  })
}

// --- PGlite ---------------------------------------------------------------------------------

async function createPGliteDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  if (!options.seed) {
    const database = openPGlite(await createPGlite())
    await migrate(database)
    return database
  }
  const tarball = await ensurePGliteTemplate()
  return openPGlite(await createPGlite(undefined, new Blob([await readFile(tarball)])))
}

async function ensurePGliteTemplate(): Promise<string> {
  const dir = join(ROOT, '.data/test-templates')
  const file = join(dir, `pglite-${await templateVersion()}.tar.gz`)
  try {
    await readFile(file)
    return file
  } catch {}
  // Two files may build it at once; each writes its own temp file and renames it into place,
  // so a reader never sees a half-written tarball.
  const pglite = await createPGlite()
  const database = openPGlite(pglite)
  await migrate(database)
  await importCatalog(database)
  const dump = await pglite.dumpDataDir('gzip')
  await database.close()
  await mkdir(dir, { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, Buffer.from(await dump.arrayBuffer()))
  await rename(temp, file)
  return file
}

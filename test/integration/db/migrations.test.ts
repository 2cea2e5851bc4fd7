import assert from 'node:assert/strict'
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { sql } from 'kysely'
import { type Database, openDatabase } from '../../../src/db/database.ts'
import {
  loadMigrations,
  MIGRATIONS_DIR,
  migrate,
  pendingMigrations,
} from '../../../src/db/migrator.ts'
import { createTestDatabase, TEST_ENGINE, testConfig } from '../../helpers/database.ts'

const count = async (database: Database, query: string) =>
  (await sql.raw<{ n: number }>(query).execute(database.db)).rows[0]!.n

async function migrationsCopy(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'victoria-migrations-'))
  await cp(MIGRATIONS_DIR, dir, { recursive: true })
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('a fresh database has every migration applied and none pending', async (t) => {
  const database = await createTestDatabase(t)
  assert.deepEqual(await pendingMigrations(database), [])
  const files = await loadMigrations()
  assert.equal(
    await count(database, 'SELECT count(*)::int AS n FROM schema_migrations'),
    files.length,
  )
})

test('running the migrations again applies nothing and changes nothing', async (t) => {
  const database = await createTestDatabase(t)
  const before =
    await sql`SELECT version, applied_at FROM schema_migrations ORDER BY version`.execute(
      database.db,
    )
  const result = await migrate(database)
  assert.deepEqual(result.applied, [])
  assert.equal(result.alreadyApplied, (await loadMigrations()).length)
  const after =
    await sql`SELECT version, applied_at FROM schema_migrations ORDER BY version`.execute(
      database.db,
    )
  assert.deepEqual(after.rows, before.rows)
})

test('two migrators racing on an empty database apply each migration exactly once', async (t) => {
  const database = await createTestDatabase(t)
  // start from nothing: drop everything the helper's migration created
  await sql`DROP SCHEMA public CASCADE`.execute(database.db)
  await sql`CREATE SCHEMA public`.execute(database.db)
  // on PostgreSQL the rivals are separate pools, as two server processes would be
  const rival =
    TEST_ENGINE === 'postgres'
      ? await openDatabase(
          { ...testConfig, DATABASE_URL: database.url, DB_POOL_MAX: 2 },
          { warn() {} },
        )
      : database
  t.after(() => (rival === database ? undefined : rival.close()))
  const [first, second] = await Promise.all([migrate(database), migrate(rival)])
  const total = (await loadMigrations()).length
  assert.equal(first.applied.length + second.applied.length, total)
  assert.equal(first.alreadyApplied + second.alreadyApplied, total)
  assert.equal(await count(database, 'SELECT count(*)::int AS n FROM schema_migrations'), total)
  assert.equal(
    await count(database, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'books'"),
    1,
  )
})

test('a failing migration leaves no trace and is not recorded', async (t) => {
  const database = await createTestDatabase(t)
  const dir = await migrationsCopy(t)
  await writeFile(
    join(dir, '9001_broken.sql'),
    'CREATE TABLE half_done (id int);\nINSERT INTO no_such_table VALUES (1);\n',
  )
  await assert.rejects(migrate(database, dir), /no_such_table/)
  assert.equal(
    await count(database, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'half_done'"),
    0,
  )
  assert.deepEqual(await pendingMigrations(database, dir), ['9001_broken'])
})

test('a migration edited after it was applied is refused', async (t) => {
  const database = await createTestDatabase(t)
  const dir = await migrationsCopy(t)
  const [first] = await loadMigrations(dir)
  await writeFile(
    join(dir, `${String(first!.version).padStart(4, '0')}_${first!.name}.sql`),
    `${first!.script}\n-- edited\n`,
  )
  await assert.rejects(migrate(database, dir), /was edited after it was applied/)
})

test('migration files must be named NNNN_name.sql', async (t) => {
  const dir = await migrationsCopy(t)
  await writeFile(join(dir, 'add_stuff.sql'), 'SELECT 1;')
  await assert.rejects(loadMigrations(dir), /NNNN_name\.sql/)
})

test('the database refuses rows the API would refuse', async (t) => {
  const database = await createTestDatabase(t)
  const { db } = database
  const book = { title: 'Valid', price_cents: 999 }
  const bad: Record<string, unknown>[] = [
    { ...book, isbn13: '9780439023482' }, // wrong check digit
    { ...book, isbn10: '0439023484' }, // wrong check digit
    { ...book, title: '  padded ' },
    { ...book, title: '' },
    { ...book, price_cents: -1 },
    { ...book, currency: 'usd' },
    { ...book, language: 'English!' },
    { ...book, original_publication_year: 3000 },
    { ...book, ratings_3: -5 },
    { ...book, cover_url: 'javascript:alert(1)' },
  ]
  for (const values of bad) {
    await assert.rejects(
      db
        .insertInto('books')
        .values(values as never)
        .execute(),
      (error: { code?: string }) => error.code === '23514',
      `expected a CHECK violation for ${JSON.stringify(values)}`,
    )
  }
  await db
    .insertInto('books')
    .values({ ...book, isbn13: '9780439023481' })
    .execute()
  await assert.rejects(
    db
      .insertInto('books')
      .values({ ...book, isbn13: '9780439023481' })
      .execute(),
    (error: { code?: string }) => error.code === '23505',
  )
  await assert.rejects(
    db.insertInto('authors').values({ name: 'Someone', slug: 'Not A Slug' }).execute(),
    (error: { code?: string }) => error.code === '23514',
  )
  assert.equal(await count(database, 'SELECT count(*)::int AS n FROM books'), 1)
})

import { PGlite } from '@electric-sql/pglite'
import { sql } from 'kysely'
import { openDatabase, openPGlite } from '../src/db/database.ts'
import { migrate } from '../src/db/migrator.ts'
const log = { warn: console.warn }
for (const d of [openPGlite(new PGlite()), await openDatabase({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', VICTORIA_DATA_DIR: '', DB_POOL_MAX: 5, DB_CONNECTION_TIMEOUT_MS: 1000, DB_STATEMENT_TIMEOUT_MS: 1000, DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: 1000 }, log)]) {
  if (d.engine === 'postgres') { await sql`DROP DATABASE IF EXISTS scratch_m`.execute(d.db); await sql`CREATE DATABASE scratch_m`.execute(d.db); await d.close() }
  const db = d.engine === 'postgres' ? await openDatabase({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/scratch_m', VICTORIA_DATA_DIR: '', DB_POOL_MAX: 5, DB_CONNECTION_TIMEOUT_MS: 1000, DB_STATEMENT_TIMEOUT_MS: 1000, DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: 1000 }, log) : d
  console.time(db.engine)
  console.log(await Promise.all([migrate(db), migrate(db)]))
  console.log(await migrate(db))
  console.timeEnd(db.engine)
  const r = await sql`select isbn13_is_valid('9780439023481') a, isbn10_is_valid('043902348X') b, isbn10_is_valid('0439023483') c, 1.5::numeric n, count(*) c2 from generate_series(1,3)`.execute(db.db)
  console.log(r.rows)
  await db.db.insertInto('books').values({ title: 'X', price_cents: 100, ratings_1: 1, ratings_5: 2 }).execute()
  console.log(await db.db.selectFrom('books').selectAll().execute())
  await db.close()
}

import { sql } from 'kysely'
import type { Database } from '../../src/db/database.ts'
import { query } from './catalog.ts'

/**
 * The database's own floor for writing what an import wrote: every non-empty table is copied
 * with INSERT ... SELECT into an empty twin made by LIKE ... INCLUDING ALL (same columns,
 * checks, generated columns and indexes; no foreign keys or triggers). No parsing, no client, no network:
 * an importer can approach this figure but not beat it. Returns the copy's milliseconds and
 * rows; the twins are dropped afterwards.
 */
export async function copyFloor(database: Database): Promise<{ ms: number; rows: number }> {
  const tables = await tableRows(database)
  const plans: { copy: string; drop: string }[] = []
  for (const [table, rows] of tables) {
    if (rows === 0) continue
    const columns = await query(
      database,
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'
       ORDER BY ordinal_position`,
      [table],
    )
    const list = columns.map((c) => `"${String(c.column_name)}"`).join(', ')
    const twin = `bench_copy_${table}`
    await sql.raw(`CREATE TABLE "${twin}" (LIKE "${table}" INCLUDING ALL)`).execute(database.db)
    plans.push({
      copy: `INSERT INTO "${twin}" (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM "${table}"`,
      drop: `DROP TABLE "${twin}"`,
    })
  }
  const started = performance.now()
  await database.db.transaction().execute(async (trx) => {
    // the import runs under Victoria's statement timeout; the reference copy of a million
    // books is one long statement per table and would exceed it
    await sql`SET LOCAL statement_timeout = 0`.execute(trx)
    for (const plan of plans) await sql.raw(plan.copy).execute(trx)
  })
  const ms = performance.now() - started
  for (const plan of plans) await sql.raw(plan.drop).execute(database.db)
  return { ms, rows: [...tables.values()].reduce((a, b) => a + b, 0) }
}

/** Row counts of every table of the schema except the migrations' own bookkeeping. */
export async function tableRows(database: Database): Promise<Map<string, number>> {
  const tables = await query(
    database,
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
       AND table_name <> 'schema_migrations' AND table_name NOT LIKE 'bench_copy_%'
     ORDER BY table_name`,
  )
  const counts = new Map<string, number>()
  for (const t of tables) {
    const name = String(t.table_name)
    const [row] = await query(database, `SELECT count(*)::int AS n FROM "${name}"`)
    counts.set(name, Number(row?.n ?? 0))
  }
  return counts
}

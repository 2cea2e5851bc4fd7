import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from '../db/types.ts'

/**
 * Bulk inserts shared by the importers. Rows travel column-wise: one array parameter per column,
 * expanded by unnest() — thousands of rows in one statement with a fixed number of parameters,
 * a single parse and plan, and the same SQL on PostgreSQL and PGlite.
 */

export interface Column {
  name: string
  /** the element type of the parameter array: int, int2, text, numeric... */
  type: string
}

export interface Counts {
  inserted: number
  skipped: number
}

export const emptyCounts = (): Counts => ({ inserted: 0, skipped: 0 })

/** `SELECT * FROM unnest($1::int[], $2::text[], ...)` for the given columns. */
export function unnestSelect(columns: Column[], data: unknown[][]): RawBuilder<unknown> {
  const params = columns.map((c, i) => sql`${data[i]}::${sql.raw(c.type)}[]`)
  return sql`SELECT * FROM unnest(${sql.join(params)})`
}

const columnList = (columns: Column[]) => sql.join(columns.map((c) => sql.id(c.name)))

/**
 * Inserts the rows, skipping any that would break a unique constraint (a link already present, a
 * slug already taken). Returns how many were inserted.
 */
export async function insertIgnoringConflicts(
  db: Kysely<DB>,
  table: keyof DB,
  columns: Column[],
  data: unknown[][],
): Promise<number> {
  if ((data[0]?.length ?? 0) === 0) return 0
  const result = await sql<{ n: number }>`
    WITH inserted AS (
      INSERT INTO ${sql.table(table)} (${columnList(columns)}) ${unnestSelect(columns, data)}
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM inserted`.execute(db)
  return result.rows[0]?.n ?? 0
}

/**
 * Authors and series are keyed by slug: inserts the ones not there yet and returns every slug's
 * id, new or old. `rows` must not repeat a slug.
 */
export async function upsertBySlug(
  db: Kysely<DB>,
  table: 'authors' | 'series',
  rows: { name: string; slug: string }[],
): Promise<{ ids: Map<string, number>; inserted: number }> {
  if (rows.length === 0) return { ids: new Map(), inserted: 0 }
  const slugs = rows.map((r) => r.slug)
  const inserted = await insertIgnoringConflicts(
    db,
    table,
    [
      { name: 'name', type: 'text' },
      { name: 'slug', type: 'text' },
    ],
    [rows.map((r) => r.name), slugs],
  )
  const found = await sql<{ id: number; slug: string }>`
    SELECT id, slug FROM ${sql.table(table)} WHERE slug = ANY(${slugs}::text[])`.execute(db)
  return { ids: new Map(found.rows.map((r) => [r.slug, r.id])), inserted }
}

/** Splits `items` into arrays of at most `size`. */
export function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}

/**
 * Creates the curated genres that are missing (by slug or name) and returns every curated
 * slug's id. A genre renamed or described differently by an admin is left as it is.
 */
export async function ensureGenres(
  db: Kysely<DB>,
  genres: { name: string; slug: string; description: string }[],
): Promise<{ ids: Map<string, number>; inserted: number }> {
  const inserted = await insertIgnoringConflicts(
    db,
    'genres',
    [
      { name: 'name', type: 'text' },
      { name: 'slug', type: 'text' },
      { name: 'description', type: 'text' },
    ],
    [genres.map((g) => g.name), genres.map((g) => g.slug), genres.map((g) => g.description)],
  )
  const slugs = genres.map((g) => g.slug)
  const found = await sql<{ id: number; slug: string }>`
    SELECT id, slug FROM genres WHERE slug = ANY(${slugs}::text[])`.execute(db)
  return { ids: new Map(found.rows.map((r) => [r.slug, r.id])), inserted }
}

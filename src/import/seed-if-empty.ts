import type { Database } from '../db/database.ts'
import { type ImportSummary, importGoodbooks } from './goodbooks-import.ts'

export interface SeedLogger {
  info(obj: object, msg: string): void
}

/**
 * First start in embedded mode: fills an empty catalog with goodbooks-10k so that a fresh
 * checkout serves real books. A catalog with any book in it (seeded before, or filled by hand)
 * is left alone; returns null then.
 */
export async function seedIfEmpty(
  database: Database,
  dir: string,
  log: SeedLogger,
): Promise<ImportSummary | null> {
  const any = await database.db.selectFrom('books').select('id').limit(1).executeTakeFirst()
  if (any) return null
  log.info({ dir }, 'empty catalog: importing goodbooks-10k')
  const summary = await importGoodbooks(database, { dir })
  log.info(
    {
      books: summary.books.inserted,
      authors: summary.authors.inserted,
      series: summary.series.inserted,
      genres: summary.genres.inserted,
      durationMs: summary.durationMs,
    },
    'goodbooks-10k imported',
  )
  return summary
}

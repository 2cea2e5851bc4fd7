import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../../db/types.ts'
import {
  isCheckViolation,
  isForeignKeyViolation,
  isUniqueViolation,
} from '../../lib/postgres-errors.ts'
import {
  AuthorHasBooks,
  BookInUse,
  GenreNameTaken,
  InvalidCatalogValue,
  IsbnTaken,
  SeriesHasBooks,
  SlugTaken,
} from './catalog-admin.errors.ts'
import { CatalogWritesRepository } from './catalog-writes.repository.ts'

/** What a failed write was about, so a constraint violation can name the offending value. */
export interface WriteContext {
  entity: 'book' | 'author' | 'series' | 'genre'
  id?: number
  isbn13?: string | null
  slug?: string
  name?: string
}

/**
 * PostgreSQL constraint violations as the client's mistake: 23505 on a unique key → 409,
 * 23503 on a RESTRICT foreign key → 409 (the row is still referenced), 23514 → 400. The
 * schemas catch most bad values first; these are the cases only the database can judge
 * (another row holding the value, possibly written a moment ago by another request).
 */
export function translateWriteError(error: unknown, context: WriteContext): unknown {
  if (isUniqueViolation(error, 'books_isbn13_key')) return new IsbnTaken(context.isbn13)
  if (isUniqueViolation(error, 'authors_slug_key')) return new SlugTaken('author', context.slug)
  if (isUniqueViolation(error, 'series_slug_key')) return new SlugTaken('series', context.slug)
  if (isUniqueViolation(error, 'genres_slug_key')) return new SlugTaken('genre', context.slug)
  if (isUniqueViolation(error, 'genres_name_key')) return new GenreNameTaken(context.name)
  if (isForeignKeyViolation(error, 'book_authors_author_id_fkey')) {
    return new AuthorHasBooks(context.id)
  }
  if (isForeignKeyViolation(error, 'book_series_series_id_fkey')) {
    return new SeriesHasBooks(context.id)
  }
  // a table of a later module that refers to books without cascading (orders, for instance)
  if (context.entity === 'book' && isForeignKeyViolation(error)) return new BookInUse(context.id)
  if (isCheckViolation(error)) {
    const constraint = (error as { constraint?: unknown }).constraint
    return new InvalidCatalogValue(typeof constraint === 'string' ? constraint : 'a check')
  }
  return error
}

/**
 * Runs one admin write as one transaction: whatever fails inside it (a coded error, a constraint
 * violation) rolls everything back, and the database is as it was before the request.
 */
export async function writeInTransaction<T>(
  db: Kysely<DB>,
  context: WriteContext,
  run: (trx: Transaction<DB>, writes: CatalogWritesRepository) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction().execute((trx) => run(trx, new CatalogWritesRepository(trx)))
  } catch (error) {
    throw translateWriteError(error, context)
  }
}

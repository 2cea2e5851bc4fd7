import { type Insertable, sql, type Transaction, type Updateable } from 'kysely'
import type { DB } from '../../db/types.ts'

/**
 * SQL for admin catalog writes. Built on a transaction only: every write of the admin API is one
 * transaction, and on PGlite's single connection a query outside it would wait forever.
 * updated_at is set by the triggers of 0004_catalog_writes.sql.
 */

export type BookValues = Omit<
  Insertable<DB['books']>,
  'id' | 'goodreads_id' | 'ratings_1' | 'ratings_2' | 'ratings_3' | 'ratings_4' | 'ratings_5'
>
export type BookChanges = Omit<Updateable<DB['books']>, 'id' | 'goodreads_id'>
export type NamedTable = 'authors' | 'series'
export type LinkedTable = 'authors' | 'series' | 'genres'

export interface SeriesLinkValues {
  seriesId: number
  position: number | null
  positionLabel: string | null
}

export class CatalogWritesRepository {
  constructor(private readonly trx: Transaction<DB>) {}

  async insertBook(values: BookValues): Promise<number> {
    const row = await this.trx
      .insertInto('books')
      .values(values)
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }

  /**
   * Applies `changes` (possibly none) and locks the row; an update with no changes still fires
   * the trigger, which is how a change to a book's links moves its updated_at. Undefined when
   * the book does not exist.
   */
  async updateBook(id: number, changes: BookChanges): Promise<number | undefined> {
    const row = await this.trx
      .updateTable('books')
      .set({ ...changes, updated_at: sql`now()` })
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst()
    return row?.id
  }

  async deleteBook(id: number): Promise<boolean> {
    const result = await this.trx.deleteFrom('books').where('id', '=', id).executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  /**
   * The ids of `ids` that exist in `table`, key-share locked as a foreign key check would lock
   * them: a concurrent delete of one waits for this transaction instead of slipping in between.
   */
  async existingIds(table: LinkedTable, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set()
    const rows = await this.trx
      .selectFrom(table)
      .select('id')
      .where('id', 'in', ids)
      .forKeyShare()
      .execute()
    return new Set(rows.map((r) => r.id))
  }

  async replaceAuthors(bookId: number, authorIds: readonly number[]): Promise<void> {
    await this.trx.deleteFrom('book_authors').where('book_id', '=', bookId).execute()
    if (authorIds.length === 0) return
    await this.trx
      .insertInto('book_authors')
      .values(
        authorIds.map((authorId, i) => ({ book_id: bookId, author_id: authorId, position: i + 1 })),
      )
      .execute()
  }

  async replaceSeries(bookId: number, links: readonly SeriesLinkValues[]): Promise<void> {
    await this.trx.deleteFrom('book_series').where('book_id', '=', bookId).execute()
    if (links.length === 0) return
    await this.trx
      .insertInto('book_series')
      .values(
        links.map((link) => ({
          book_id: bookId,
          series_id: link.seriesId,
          position: link.position,
          position_label: link.positionLabel,
        })),
      )
      .execute()
  }

  /** The given order becomes the genres' order: weights count down to 1. */
  async replaceGenres(bookId: number, genreIds: readonly number[]): Promise<void> {
    await this.trx.deleteFrom('book_genres').where('book_id', '=', bookId).execute()
    if (genreIds.length === 0) return
    await this.trx
      .insertInto('book_genres')
      .values(
        genreIds.map((genreId, i) => ({
          book_id: bookId,
          genre_id: genreId,
          weight: genreIds.length - i,
        })),
      )
      .execute()
  }

  async insertNamed(table: NamedTable, values: { name: string; slug: string }): Promise<number> {
    const row = await this.trx
      .insertInto(table)
      .values(values)
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }

  async updateNamed(
    table: NamedTable,
    id: number,
    changes: { name?: string; slug?: string },
  ): Promise<boolean> {
    const row = await this.trx
      .updateTable(table)
      .set({ ...changes, updated_at: sql`now()` })
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  }

  async deleteFrom(table: LinkedTable, id: number): Promise<boolean> {
    const result = await this.trx.deleteFrom(table).where('id', '=', id).executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  async insertGenre(values: {
    name: string
    slug: string
    description: string | null
  }): Promise<number> {
    const row = await this.trx
      .insertInto('genres')
      .values(values)
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }

  async updateGenre(
    id: number,
    changes: { name?: string; slug?: string; description?: string | null },
  ): Promise<boolean> {
    const row = await this.trx
      .updateTable('genres')
      .set(changes)
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  }
}

import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/types.ts'
import { bookSummaryColumns } from '../catalog/books.repository.ts'

/** SQL of recommendations: the assembly runs in the database (0008's SQL functions). */

export interface PickRow {
  book_id: number
  tier: number
  /** tier 1 of a reader's picks: the reader's books that led to it, strongest first */
  because: number[] | null
  genre_id: number | null
}

export class RecommendationsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The reader's picks, best first (tier 1 collaborative, 2 favourite genres, 3 overall). */
  async forReader(userId: number, limit: number): Promise<PickRow[]> {
    const result = await this.forReaderQuery(userId, limit).execute(this.db)
    return result.rows
  }

  forReaderQuery(userId: number, limit: number) {
    return sql<PickRow>`
      SELECT book_id, tier, because, genre_id FROM recommend_for_reader(${userId}, ${limit})`
  }

  /** Books like `bookId`, best first (tier 1 neighbours, 2 same author, 3 same genre). */
  async similarTo(bookId: number, limit: number): Promise<PickRow[]> {
    const result = await sql<PickRow>`
      SELECT book_id, tier, NULL::integer[] AS because, genre_id
      FROM similar_books(${bookId}, ${limit})`.execute(this.db)
    return result.rows
  }

  async summaries(ids: number[]) {
    if (ids.length === 0) return []
    return this.db
      .selectFrom('books as b')
      .select((eb) => bookSummaryColumns(eb))
      .where('b.id', 'in', ids)
      .execute()
  }

  async book(id: number) {
    return this.db
      .selectFrom('books as b')
      .select(['b.id', 'b.title'])
      .select((eb) =>
        eb
          .selectFrom('book_authors')
          .select(sql<number[]>`array_agg(author_id)`.as('ids'))
          .whereRef('book_id', '=', 'b.id')
          .as('author_ids'),
      )
      .where('b.id', '=', id)
      .executeTakeFirst()
  }

  async titles(ids: number[]) {
    if (ids.length === 0) return []
    return this.db.selectFrom('books').select(['id', 'title']).where('id', 'in', ids).execute()
  }

  /** What the reader did with these books ("liked", "read", "bought", ...). */
  async verbs(userId: number, bookIds: number[]) {
    if (bookIds.length === 0) return []
    const result = await sql<{ book_id: number; verb: string }>`
      SELECT book_id, verb FROM reader_signals
      WHERE user_id = ${userId} AND book_id = ANY(${bookIds}::int[])`.execute(this.db)
    return result.rows
  }

  async genres(ids: number[]) {
    if (ids.length === 0) return []
    return this.db
      .selectFrom('genres')
      .select(['id', 'name', 'slug'])
      .where('id', 'in', ids)
      .execute()
  }

  /** Activity in the last 30 days per book (book_stats), to tell trending from popular. */
  async recentActivity(ids: number[]) {
    if (ids.length === 0) return []
    const result = await sql<{ book_id: number; recent_activity: number }>`
      SELECT book_id, recent_activity FROM book_stats
      WHERE book_id = ANY(${ids}::int[])`.execute(this.db)
    return result.rows
  }
}

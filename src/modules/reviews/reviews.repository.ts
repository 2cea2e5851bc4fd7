import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from '../../db/types.ts'
import type { CursorPosition } from '../../lib/cursor.ts'
import type { ReviewSort } from './reviews.schemas.ts'

/** SQL for reviews and helpful votes. The rating summaries follow by trigger (0003). */

// Each sort has an index in 0003_reviews_library.sql on (book_id, key, id); "lowest" walks the
// rating index backwards, so its ties come oldest first.
const SORTS: Record<ReviewSort, { key: RawBuilder<number>; direction: 'asc' | 'desc' }> = {
  newest: { key: sql<number>`r.id`, direction: 'desc' },
  highest: { key: sql<number>`r.rating`, direction: 'desc' },
  lowest: { key: sql<number>`r.rating`, direction: 'asc' },
  helpful: { key: sql<number>`r.helpful_count`, direction: 'desc' },
}

export type Keyset = Pick<CursorPosition, 'value' | 'id'>

export interface ReviewText {
  title?: string | null
  body?: string | null
}

const HAS_TEXT = sql<boolean>`(r.title IS NOT NULL OR r.body IS NOT NULL)`

export class ReviewsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Reviews as the API shows them: with their author's public name, and verifiedReader worked
   * out from the author's library entry at read time (a primary-key lookup), so it follows
   * the entry without being stored twice.
   */
  private select() {
    return this.db
      .selectFrom('reviews as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .leftJoin('library_entries as le', (join) =>
        join.onRef('le.user_id', '=', 'r.user_id').onRef('le.book_id', '=', 'r.book_id'),
      )
      .select([
        'r.id',
        'r.book_id',
        'r.user_id',
        'u.display_name',
        'r.rating',
        'r.title',
        'r.body',
        'r.helpful_count',
        'r.source',
        'r.created_at',
        'r.updated_at',
        sql<boolean>`coalesce(le.owned OR le.shelf = 'read' OR le.progress >= 50, false)`.as(
          'verified_reader',
        ),
      ])
  }

  findById(id: number) {
    return this.select().where('r.id', '=', id).executeTakeFirst()
  }

  /** A page of a book's reviews in `sort` order after `after`, with one row more than `limit`. */
  findPageByBook(
    bookId: number,
    sort: ReviewSort,
    options: { limit: number; withText: boolean; after?: Keyset },
  ) {
    const { key, direction } = SORTS[sort]
    let query = this.select().where('r.book_id', '=', bookId)
    if (options.withText) query = query.where(HAS_TEXT)
    const { after } = options
    if (after) {
      query = query.where(
        direction === 'desc'
          ? sql<boolean>`(${key}, r.id) < (${after.value}, ${after.id})`
          : sql<boolean>`(${key}, r.id) > (${after.value}, ${after.id})`,
      )
    }
    return query
      .select(key.as('sort_value'))
      .orderBy(key, direction)
      .orderBy('r.id', direction)
      .limit(options.limit + 1)
      .execute()
  }

  async countByBook(bookId: number, withText: boolean): Promise<number> {
    let query = this.db
      .selectFrom('reviews as r')
      .select(sql<number>`count(*)::int`.as('total'))
      .where('r.book_id', '=', bookId)
    if (withText) query = query.where(HAS_TEXT)
    return (await query.executeTakeFirstOrThrow()).total
  }

  /** A reader's own reviews, newest first (the unique (user_id, book_id) index finds them). */
  findPageByUser(userId: number, limit: number, afterId?: number) {
    let query = this.select().where('r.user_id', '=', userId)
    if (afterId !== undefined) query = query.where('r.id', '<', afterId)
    return query
      .orderBy('r.id', 'desc')
      .limit(limit + 1)
      .execute()
  }

  async countByUser(userId: number): Promise<number> {
    const row = await this.db
      .selectFrom('reviews')
      .select(sql<number>`count(*)::int`.as('total'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow()
    return row.total
  }

  async bookExists(bookId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('books')
      .select('id')
      .where('id', '=', bookId)
      .executeTakeFirst()
    return row !== undefined
  }

  async insert(values: { bookId: number; userId: number; rating: number } & ReviewText) {
    const row = await this.db
      .insertInto('reviews')
      .values({
        book_id: values.bookId,
        user_id: values.userId,
        rating: values.rating,
        title: values.title ?? null,
        body: values.body ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }

  async findIdByAuthor(userId: number, bookId: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('reviews')
      .select('id')
      .where('user_id', '=', userId)
      .where('book_id', '=', bookId)
      .executeTakeFirst()
    return row?.id
  }

  /** Changes a review only if `userId` wrote it; undefined otherwise. */
  async updateOwn(id: number, userId: number, changes: { rating?: number } & ReviewText) {
    const row = await this.db
      .updateTable('reviews')
      .set({
        ...(changes.rating !== undefined ? { rating: changes.rating } : {}),
        ...(changes.title !== undefined ? { title: changes.title } : {}),
        ...(changes.body !== undefined ? { body: changes.body } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returning('id')
      .executeTakeFirst()
    return row?.id
  }

  /** Deletes a review only if `userId` wrote it; returns whether it did. */
  /** The deleted review's book, or undefined when the reader has no such review. */
  async deleteOwn(id: number, userId: number): Promise<number | undefined> {
    const row = await this.db
      .deleteFrom('reviews')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returning('book_id')
      .executeTakeFirst()
    return row?.book_id
  }

  findAuthorId(reviewId: number) {
    return this.db
      .selectFrom('reviews')
      .select('user_id')
      .where('id', '=', reviewId)
      .executeTakeFirst()
  }

  /** Returns whether a vote was added (false: the reader had voted already). */
  async addHelpfulVote(reviewId: number, userId: number): Promise<boolean> {
    const rows = await this.db
      .insertInto('review_helpful_votes')
      .values({ review_id: reviewId, user_id: userId })
      .onConflict((oc) => oc.columns(['review_id', 'user_id']).doNothing())
      .returning('review_id')
      .execute()
    return rows.length > 0
  }

  async removeHelpfulVote(reviewId: number, userId: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('review_helpful_votes')
      .where('review_id', '=', reviewId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  async helpfulCount(reviewId: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('reviews')
      .select('helpful_count')
      .where('id', '=', reviewId)
      .executeTakeFirst()
    return row?.helpful_count
  }
}

export type ReviewRow = NonNullable<Awaited<ReturnType<ReviewsRepository['findById']>>>

import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { decodeCursor, encodeCursor, keysetPage } from '../../lib/cursor.ts'
import { InvalidCursor } from '../../lib/errors.ts'
import { characterCount, cleanBody, cleanTitle } from '../../lib/plain-text.ts'
import { isForeignKeyViolation, isUniqueViolation } from '../../lib/postgres-errors.ts'
import { BookNotFound } from '../catalog/catalog.errors.ts'
import { OwnReviewVote, ReviewExists, ReviewNotFound, TextTooLong } from './reviews.errors.ts'
import { type ReviewRow, ReviewsRepository, type ReviewText } from './reviews.repository.ts'
import {
  BODY_MAX_LENGTH,
  type CreateReviewBody,
  type HelpfulVote,
  type MyReviewsQuery,
  type Review,
  type ReviewListQuery,
  TITLE_MAX_LENGTH,
  type UpdateReviewBody,
} from './reviews.schemas.ts'

export function toReview(row: ReviewRow): Review {
  return {
    id: row.id,
    bookId: row.book_id,
    author: { id: row.user_id, displayName: row.display_name },
    rating: row.rating,
    title: row.title,
    body: row.body,
    verifiedReader: row.verified_reader,
    helpfulCount: row.helpful_count,
    source: row.source,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

/** Every review sort key is an integer; anything else in a cursor would reach SQL as text. */
function numericCursor(cursor: string, sort: string) {
  const position = decodeCursor(cursor, sort)
  if (!Number.isSafeInteger(position.value)) throw new InvalidCursor()
  return position
}

function checkLength(field: string, text: string | null, max: number) {
  if (text === null) return
  const length = characterCount(text)
  if (length > max) {
    throw new TextTooLong(
      `${field} is ${length.toLocaleString('en-US')} characters once markup is removed; ` +
        `the limit is ${max.toLocaleString('en-US')}`,
    )
  }
}

/** Cleans the fields present; absent stays absent, null or empty-once-cleaned becomes null. */
function cleanText(input: { title?: string | null; body?: string | null }): ReviewText {
  const text: ReviewText = {}
  if (input.title !== undefined) {
    text.title = input.title === null ? null : cleanTitle(input.title)
    checkLength('title', text.title, TITLE_MAX_LENGTH)
  }
  if (input.body !== undefined) {
    text.body = input.body === null ? null : cleanBody(input.body)
    checkLength('body', text.body, BODY_MAX_LENGTH)
  }
  return text
}

/**
 * Reviews: one per reader and book, changed and deleted only by their author. Someone else's
 * review is answered like a missing one (404), so ids reveal nothing about other readers.
 */
export class ReviewsService {
  private readonly reviews: ReviewsRepository

  constructor(db: Kysely<DB>) {
    this.reviews = new ReviewsRepository(db)
  }

  async listForBook(bookId: number, query: ReviewListQuery) {
    const after = query.cursor ? numericCursor(query.cursor, query.sort) : undefined
    const [exists, rows, total] = await Promise.all([
      this.reviews.bookExists(bookId),
      this.reviews.findPageByBook(bookId, query.sort, {
        limit: query.limit,
        withText: query.withText,
        after,
      }),
      this.reviews.countByBook(bookId, query.withText),
    ])
    if (!exists) throw new BookNotFound(`id ${bookId}`)
    const { page, nextCursor } = keysetPage(rows, query.limit, query.sort)
    return { items: page.map(toReview), nextCursor, total }
  }

  async listMine(userId: number, query: MyReviewsQuery) {
    const after = query.cursor ? numericCursor(query.cursor, 'newest') : undefined
    const [rows, total] = await Promise.all([
      this.reviews.findPageByUser(userId, query.limit, after?.id),
      this.reviews.countByUser(userId),
    ])
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({ sort: 'newest', value: last.id, id: last.id })
        : null
    return { items: page.map(toReview), nextCursor, total }
  }

  async get(id: number): Promise<Review> {
    const row = await this.reviews.findById(id)
    if (!row) throw new ReviewNotFound(id)
    return toReview(row)
  }

  /**
   * The unique (user_id, book_id) constraint decides between concurrent first reviews: exactly
   * one insert wins, the others fail with 23505 and answer 409 naming the winner.
   */
  async create(userId: number, bookId: number, input: CreateReviewBody): Promise<Review> {
    const text = cleanText(input)
    let id: number
    try {
      id = await this.reviews.insert({ bookId, userId, rating: input.rating, ...text })
    } catch (error) {
      if (isUniqueViolation(error, 'reviews_user_book_key')) {
        const existing = await this.reviews.findIdByAuthor(userId, bookId)
        throw new ReviewExists(existing, existing)
      }
      if (isForeignKeyViolation(error, 'reviews_book_id_fkey')) {
        throw new BookNotFound(`id ${bookId}`)
      }
      throw error
    }
    return this.get(id)
  }

  async update(userId: number, id: number, input: UpdateReviewBody): Promise<Review> {
    const updated = await this.reviews.updateOwn(id, userId, {
      rating: input.rating,
      ...cleanText(input),
    })
    if (updated === undefined) throw new ReviewNotFound(id)
    return this.get(id)
  }

  /** Returns the book the review was about (its rating summary changed). */
  async delete(userId: number, id: number): Promise<{ bookId: number }> {
    const bookId = await this.reviews.deleteOwn(id, userId)
    if (bookId === undefined) throw new ReviewNotFound(id)
    return { bookId }
  }

  /**
   * Idempotent: a second vote by the same reader changes nothing and answers as the first did
   * (the primary key (review_id, user_id) makes the vote count once, even under concurrency).
   */
  async markHelpful(userId: number, reviewId: number): Promise<HelpfulVote> {
    const review = await this.reviews.findAuthorId(reviewId)
    if (!review) throw new ReviewNotFound(reviewId)
    if (review.user_id === userId) throw new OwnReviewVote()
    let changed: boolean
    try {
      changed = await this.reviews.addHelpfulVote(reviewId, userId)
    } catch (error) {
      // deleted between the two statements
      if (isForeignKeyViolation(error)) throw new ReviewNotFound(reviewId)
      throw error
    }
    return this.voteState(reviewId, true, changed)
  }

  /** Takes a helpful vote back; idempotent as well. */
  async unmarkHelpful(userId: number, reviewId: number): Promise<HelpfulVote> {
    const changed = await this.reviews.removeHelpfulVote(reviewId, userId)
    return this.voteState(reviewId, false, changed)
  }

  private async voteState(reviewId: number, voted: boolean, changed: boolean) {
    const helpfulCount = await this.reviews.helpfulCount(reviewId)
    if (helpfulCount === undefined) throw new ReviewNotFound(reviewId)
    return { reviewId, helpfulCount, voted, changed }
  }
}

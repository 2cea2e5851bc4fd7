import {
  type ExpressionBuilder,
  type Kysely,
  type RawBuilder,
  type SelectQueryBuilder,
  sql,
} from 'kysely'
import { jsonArrayFrom } from 'kysely/helpers/postgres'
import type { DB } from '../../db/types.ts'
import type { BookSort } from './catalog.schemas.ts'

/** SQL for books: lists with keyset pagination, single books with their relations. */

export interface BookFilters {
  genreId?: number
  authorId?: number
  seriesId?: number
  language?: string
  yearFrom?: number
  yearTo?: number
  minRating?: number
}

export interface KeysetPosition {
  value: string | number
  id: number
}

/** The database as queries with `books as b` see it. */
export type BooksDB = DB & { b: DB['books'] }
type BooksQuery = SelectQueryBuilder<BooksDB, 'b', object>
export type BooksEb = ExpressionBuilder<BooksDB, 'b'>

// Each sort is an expression with a matching index in 0001_catalog.sql (nulls coalesced to a
// floor, so a row comparison can page past them) and a direction shared with the id tie-breaker.
const SORTS: Record<BookSort, { key: RawBuilder<string | number>; direction: 'asc' | 'desc' }> = {
  popular: { key: sql<number>`b.ratings_count`, direction: 'desc' },
  rating: { key: sql<number>`coalesce(b.average_rating, 0)`, direction: 'desc' },
  newest: { key: sql<number>`coalesce(b.original_publication_year, -32768)`, direction: 'desc' },
  title: { key: sql<string>`b.sort_title`, direction: 'asc' },
}

const COUNT = sql<number>`count(*)::int`.as('total')

export function bookSummaryColumns(eb: BooksEb) {
  return [
    'b.id',
    'b.title',
    'b.subtitle',
    'b.language',
    'b.original_publication_year',
    'b.isbn13',
    'b.cover_url',
    'b.average_rating',
    'b.ratings_count',
    'b.price_cents',
    'b.currency',
    authorsOf(eb).as('authors'),
  ] as const
}

function authorsOf(eb: BooksEb) {
  return jsonArrayFrom(
    eb
      .selectFrom('book_authors as ba')
      .innerJoin('authors as a', 'a.id', 'ba.author_id')
      .select(['a.id', 'a.name', 'a.slug'])
      .whereRef('ba.book_id', '=', 'b.id')
      .orderBy('ba.position'),
  )
}

function applyFilters(query: BooksQuery, filters: BookFilters): BooksQuery {
  let q = query
  const { genreId, authorId, seriesId } = filters
  if (genreId !== undefined) {
    q = q.where('b.id', 'in', (eb) =>
      eb.selectFrom('book_genres').select('book_id').where('genre_id', '=', genreId),
    )
  }
  if (authorId !== undefined) {
    q = q.where('b.id', 'in', (eb) =>
      eb.selectFrom('book_authors').select('book_id').where('author_id', '=', authorId),
    )
  }
  if (seriesId !== undefined) {
    q = q.where('b.id', 'in', (eb) =>
      eb.selectFrom('book_series').select('book_id').where('series_id', '=', seriesId),
    )
  }
  if (filters.language !== undefined) q = q.where('b.language', '=', filters.language)
  if (filters.yearFrom !== undefined)
    q = q.where('b.original_publication_year', '>=', filters.yearFrom)
  if (filters.yearTo !== undefined) q = q.where('b.original_publication_year', '<=', filters.yearTo)
  if (filters.minRating !== undefined) {
    // generated columns are typed unwritable, which Kysely's operand typing also rejects here
    q = q.where(sql<boolean>`b.average_rating >= ${filters.minRating}`)
  }
  return q
}

export class BooksRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** One page in `sort` order after `after`, fetching `limit + 1` rows to know if more exist. */
  async findPage(filters: BookFilters, sort: BookSort, limit: number, after?: KeysetPosition) {
    return this.pageQuery(filters, sort, limit, after).execute()
  }

  /** The page query itself, unexecuted: the query-plan tests EXPLAIN exactly what the API runs. */
  pageQuery(filters: BookFilters, sort: BookSort, limit: number, after?: KeysetPosition) {
    const { key, direction } = SORTS[sort]
    let query = applyFilters(this.db.selectFrom('books as b'), filters)
    if (after) {
      // the C collation matches sort_title's, so PGlite and PostgreSQL compare alike
      const value =
        typeof after.value === 'string' ? sql`${after.value} COLLATE "C"` : sql`${after.value}`
      query =
        direction === 'desc'
          ? query.where(sql<boolean>`(${key}, b.id) < (${value}, ${after.id})`)
          : query.where(sql<boolean>`(${key}, b.id) > (${value}, ${after.id})`)
    }
    return query
      .select((eb) => [...bookSummaryColumns(eb), key.as('sort_value')])
      .orderBy(key, direction)
      .orderBy('b.id', direction)
      .limit(limit + 1)
  }

  async count(filters: BookFilters): Promise<number> {
    const row = await this.countQuery(filters).executeTakeFirstOrThrow()
    return row.total
  }

  countQuery(filters: BookFilters) {
    // A list filtered by one genre, author or series alone counts its link rows: an index-only
    // scan, instead of joining a third of the catalog back to books just to count it.
    const { genreId, authorId, seriesId, ...rest } = filters
    const links = [genreId, authorId, seriesId].filter((v) => v !== undefined).length
    const onlyLink = links === 1 && Object.values(rest).every((v) => v === undefined)
    if (onlyLink && genreId !== undefined) {
      return this.db.selectFrom('book_genres').select(COUNT).where('genre_id', '=', genreId)
    }
    if (onlyLink && authorId !== undefined) {
      return this.db.selectFrom('book_authors').select(COUNT).where('author_id', '=', authorId)
    }
    if (onlyLink && seriesId !== undefined) {
      return this.db.selectFrom('book_series').select(COUNT).where('series_id', '=', seriesId)
    }
    return applyFilters(this.db.selectFrom('books as b'), filters).select(COUNT)
  }

  async findById(id: number) {
    return this.byIdQuery(id).executeTakeFirst()
  }

  byIdQuery(id: number) {
    return this.detailQuery().where('b.id', '=', id)
  }

  async findByIsbn13(isbn13: string) {
    return this.detailQuery().where('b.isbn13', '=', isbn13).executeTakeFirst()
  }

  /** Falls back to ISBN-10 for books whose ISBN-13 is unknown. */
  async findByIsbn10(isbn10: string) {
    return this.detailQuery().where('b.isbn10', '=', isbn10).orderBy('b.id').executeTakeFirst()
  }

  private detailQuery() {
    return this.db
      .selectFrom('books as b')
      .selectAll('b')
      .select((eb) => [
        authorsOf(eb).as('authors'),
        jsonArrayFrom(
          eb
            .selectFrom('book_series as bs')
            .innerJoin('series as s', 's.id', 'bs.series_id')
            .select(['s.id', 's.name', 's.slug', 'bs.position', 'bs.position_label'])
            .whereRef('bs.book_id', '=', 'b.id')
            .orderBy('s.name'),
        ).as('series'),
        jsonArrayFrom(
          eb
            .selectFrom('book_genres as bg')
            .innerJoin('genres as g', 'g.id', 'bg.genre_id')
            .select(['g.id', 'g.name', 'g.slug'])
            .whereRef('bg.book_id', '=', 'b.id')
            .orderBy('bg.weight', 'desc')
            .orderBy('g.id'),
        ).as('genres'),
      ])
  }
}

export type BookSummaryRow = Awaited<ReturnType<BooksRepository['findPage']>>[number]
export type BookDetailRow = NonNullable<Awaited<ReturnType<BooksRepository['findById']>>>

import { type Kysely, sql } from 'kysely'
import type { DB, Shelf } from '../../db/types.ts'
import type { LibraryBook } from '../library/library.schemas.ts'

export const CURRENTLY_READING_LIMIT = 20
export const ACTIVITY_LIMIT = 10

export interface DashboardRow {
  read_all_time: number
  read_this_year: number
  books_per_month: { month: string; count: number }[]
  genres: { id: number; name: string; slug: string; count: number }[]
  shelves: {
    wantToRead: number
    reading: number
    read: number
    didNotFinish: number
    owned: number
  }
  reviews: { written: number; withText: number; averageRating: number | null }
  currently_reading: {
    book: LibraryBook
    progress: number
    startedOn: string | null
    updatedAt: string
  }[]
  recent_activity: (
    | { type: 'library'; at: string; book: LibraryBook; shelf: Shelf | null; progress: number }
    | { type: 'review'; at: string; book: LibraryBook; reviewId: number; rating: number }
  )[]
}

/** The book of row `alias` as LibraryBook JSON: a primary-key lookup per listed row. */
const bookJson = (alias: string) => sql`(
  SELECT json_build_object(
    'id', b.id, 'title', b.title, 'coverUrl', b.cover_url,
    'authors', coalesce((
      SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'slug', a.slug)
                      ORDER BY ba.position)
      FROM book_authors ba JOIN authors a ON a.id = ba.author_id
      WHERE ba.book_id = b.id), '[]'::json))
  FROM books b WHERE b.id = ${sql.ref(`${alias}.book_id`)})`

export class DashboardRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Everything in one statement. The reader's rows are read once each (library entries and
   * reviews through their (user_id, ...) indexes; a library is hundreds of rows) into CTEs
   * that every figure aggregates; books and genres are joined only for the rows listed.
   */
  async summary(userId: number, today: string): Promise<DashboardRow> {
    const result = await sql<DashboardRow>`
      WITH lib AS MATERIALIZED (
        SELECT book_id, shelf, progress, started_on, finished_on, owned, updated_at
        FROM library_entries WHERE user_id = ${userId}
      ), finished AS (
        SELECT book_id, finished_on FROM lib WHERE shelf = 'read'
      ), mine AS MATERIALIZED (
        SELECT id, book_id, rating, title, body, updated_at
        FROM reviews WHERE user_id = ${userId}
      ), months AS (
        SELECT m::date AS start
        FROM generate_series(date_trunc('month', ${today}::date) - interval '11 months',
                             date_trunc('month', ${today}::date), interval '1 month') AS m
      ), activity AS (
        (SELECT 'library' AS type, updated_at AS at, book_id, shelf, progress,
                NULL::int AS review_id, NULL::int AS rating
         FROM lib ORDER BY updated_at DESC LIMIT ${ACTIVITY_LIMIT})
        UNION ALL
        (SELECT 'review', updated_at, book_id, NULL, NULL, id, rating
         FROM mine ORDER BY updated_at DESC LIMIT ${ACTIVITY_LIMIT})
      )
      SELECT
        (SELECT count(*)::int FROM finished) AS read_all_time,
        (SELECT count(*)::int FROM finished
         WHERE finished_on >= date_trunc('year', ${today}::date)
           AND finished_on < date_trunc('year', ${today}::date) + interval '1 year') AS read_this_year,
        (SELECT json_agg(json_build_object(
                  'month', to_char(m.start, 'YYYY-MM'),
                  'count', (SELECT count(*) FROM finished f
                            WHERE f.finished_on >= m.start
                              AND f.finished_on < m.start + interval '1 month'))
                ORDER BY m.start)
         FROM months m) AS books_per_month,
        (SELECT coalesce(json_agg(json_build_object('id', g.id, 'name', g.name, 'slug', g.slug,
                                                    'count', c.n) ORDER BY c.n DESC, g.slug COLLATE "C"),
                         '[]'::json)
         FROM (SELECT bg.genre_id, count(*)::int AS n
               FROM finished f JOIN book_genres bg ON bg.book_id = f.book_id
               GROUP BY bg.genre_id) c
         JOIN genres g ON g.id = c.genre_id) AS genres,
        (SELECT json_build_object(
                  'wantToRead', count(*) FILTER (WHERE shelf = 'want_to_read'),
                  'reading', count(*) FILTER (WHERE shelf = 'reading'),
                  'read', count(*) FILTER (WHERE shelf = 'read'),
                  'didNotFinish', count(*) FILTER (WHERE shelf = 'did_not_finish'),
                  'owned', count(*) FILTER (WHERE owned))
         FROM lib) AS shelves,
        (SELECT json_build_object(
                  'written', count(*),
                  'withText', count(*) FILTER (WHERE title IS NOT NULL OR body IS NOT NULL),
                  'averageRating', round(avg(rating), 2))
         FROM mine) AS reviews,
        (SELECT coalesce(json_agg(json_build_object(
                  'book', ${bookJson('r')}, 'progress', r.progress,
                  'startedOn', to_char(r.started_on, 'YYYY-MM-DD'), 'updatedAt', r.updated_at)
                ORDER BY r.updated_at DESC, r.book_id DESC), '[]'::json)
         FROM (SELECT * FROM lib WHERE shelf = 'reading'
               ORDER BY updated_at DESC, book_id DESC LIMIT ${CURRENTLY_READING_LIMIT}) r
        ) AS currently_reading,
        (SELECT coalesce(json_agg(CASE e.type
                  WHEN 'library' THEN json_build_object('type', e.type, 'at', e.at,
                    'book', ${bookJson('e')}, 'shelf', e.shelf, 'progress', e.progress)
                  ELSE json_build_object('type', e.type, 'at', e.at,
                    'book', ${bookJson('e')}, 'reviewId', e.review_id, 'rating', e.rating)
                  END ORDER BY e.at DESC), '[]'::json)
         FROM (SELECT * FROM activity ORDER BY at DESC LIMIT ${ACTIVITY_LIMIT}) e
        ) AS recent_activity`.execute(this.db)
    return result.rows[0]!
  }
}

import { type Kysely, type RawBuilder, sql } from 'kysely'
import { jsonArrayFrom } from 'kysely/helpers/postgres'
import type { DB, Shelf } from '../../db/types.ts'
import type { CursorPosition } from '../../lib/cursor.ts'
import type { LibrarySort } from './library.schemas.ts'

/** SQL for a reader's library entries. */

export interface LibraryFilters {
  shelf?: Shelf
  genreId?: number
  owned?: boolean
}

interface SortSpec {
  /** the ordering expression; each has an index on (user_id, key, book_id) but title */
  key: RawBuilder<unknown>
  /** the key as the cursor carries it: exact, and readable back into the key's type */
  value: RawBuilder<string | number>
  /** the cursor's value as a parameter of the key's type */
  param: (value: string | number) => RawBuilder<unknown>
  direction: 'asc' | 'desc'
}

const dateParam = (value: string | number) => sql`${value}::date`

// Timestamps travel as text with microseconds: a JavaScript Date would round them to the
// millisecond, and the next page would repeat or skip rows. Missing dates sort as -infinity,
// the expression indexed in 0003_reviews_library.sql.
const SORTS: Record<LibrarySort, SortSpec> = {
  updated: {
    key: sql`le.updated_at`,
    value: sql<string>`to_char(le.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    param: (value) => sql`${value}::timestamptz`,
    direction: 'desc',
  },
  title: {
    key: sql`b.sort_title`,
    value: sql<string>`b.sort_title`,
    // the C collation matches sort_title's, so PGlite and PostgreSQL compare alike
    param: (value) => sql`${value} COLLATE "C"`,
    direction: 'asc',
  },
  progress: {
    key: sql`le.progress`,
    value: sql<number>`le.progress`,
    param: (value) => sql`${value}::int`,
    direction: 'desc',
  },
  started: {
    key: sql`coalesce(le.started_on, date '-infinity')`,
    value: sql<string>`coalesce(to_char(le.started_on, 'YYYY-MM-DD'), '-infinity')`,
    param: dateParam,
    direction: 'desc',
  },
  finished: {
    key: sql`coalesce(le.finished_on, date '-infinity')`,
    value: sql<string>`coalesce(to_char(le.finished_on, 'YYYY-MM-DD'), '-infinity')`,
    param: dateParam,
    direction: 'desc',
  },
}

export interface EntryValues {
  shelf: Shelf
  progress: number
  startedOn: string | null
  finishedOn: string | null
}

/** What an update does with each field it was not given (see LibraryService.put). */
export interface EntryMerge {
  progress: 'given' | 'complete' | 'keep'
  startedOn: 'given' | 'keep-or-default'
  finishedOn: 'given' | 'keep-or-default'
}

export class LibraryRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private select() {
    return this.db
      .selectFrom('library_entries as le')
      .innerJoin('books as b', 'b.id', 'le.book_id')
      .select((eb) => [
        'le.book_id',
        'le.shelf',
        'le.progress',
        sql<string | null>`to_char(le.started_on, 'YYYY-MM-DD')`.as('started_on'),
        sql<string | null>`to_char(le.finished_on, 'YYYY-MM-DD')`.as('finished_on'),
        'le.owned',
        'le.created_at',
        'le.updated_at',
        'b.title',
        'b.cover_url',
        jsonArrayFrom(
          eb
            .selectFrom('book_authors as ba')
            .innerJoin('authors as a', 'a.id', 'ba.author_id')
            .select(['a.id', 'a.name', 'a.slug'])
            .whereRef('ba.book_id', '=', 'b.id')
            .orderBy('ba.position'),
        ).as('authors'),
      ])
  }

  findEntry(userId: number, bookId: number) {
    return this.select()
      .where('le.user_id', '=', userId)
      .where('le.book_id', '=', bookId)
      .executeTakeFirst()
  }

  findPage(
    userId: number,
    filters: LibraryFilters,
    sort: LibrarySort,
    limit: number,
    after?: Pick<CursorPosition, 'value' | 'id'>,
  ) {
    const { key, value, param, direction } = SORTS[sort]
    let query = this.select().where('le.user_id', '=', userId)
    if (filters.shelf !== undefined) query = query.where('le.shelf', '=', filters.shelf)
    if (filters.owned !== undefined) query = query.where('le.owned', '=', filters.owned)
    const { genreId } = filters
    if (genreId !== undefined) {
      query = query.where('le.book_id', 'in', (eb) =>
        eb.selectFrom('book_genres').select('book_id').where('genre_id', '=', genreId),
      )
    }
    if (after) {
      const op = direction === 'desc' ? sql`<` : sql`>`
      query = query.where(
        sql<boolean>`(${key}, le.book_id) ${op} (${param(after.value)}, ${after.id})`,
      )
    }
    return query
      .select(value.as('sort_value'))
      .orderBy(key, direction)
      .orderBy('le.book_id', direction)
      .limit(limit + 1)
      .execute()
  }

  async count(userId: number, filters: LibraryFilters): Promise<number> {
    let query = this.db
      .selectFrom('library_entries as le')
      .select(sql<number>`count(*)::int`.as('total'))
      .where('le.user_id', '=', userId)
    if (filters.shelf !== undefined) query = query.where('le.shelf', '=', filters.shelf)
    if (filters.owned !== undefined) query = query.where('le.owned', '=', filters.owned)
    const { genreId } = filters
    if (genreId !== undefined) {
      query = query.where('le.book_id', 'in', (eb) =>
        eb.selectFrom('book_genres').select('book_id').where('genre_id', '=', genreId),
      )
    }
    return (await query.executeTakeFirstOrThrow()).total
  }

  async findGenreIdBySlug(slug: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('genres')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirst()
    return row?.id
  }

  /**
   * Creates or changes the entry in one statement, so two concurrent writes of the same entry
   * cannot interleave a read and a write. `values` are those of a new entry; `merge` says how
   * an existing one combines them with what it stores. Returns whether the entry is new.
   */
  async upsert(
    userId: number,
    bookId: number,
    values: EntryValues,
    merge: EntryMerge,
    today: string,
  ): Promise<boolean> {
    const progress = {
      given: sql`EXCLUDED.progress`,
      complete: sql`100`,
      keep: sql`le.progress`,
    }[merge.progress]
    const started =
      merge.startedOn === 'given'
        ? sql`EXCLUDED.started_on`
        : sql`coalesce(le.started_on, EXCLUDED.started_on)`
    // a default finish date is today, or the start date if that is later (a reader ahead of
    // UTC who started "tomorrow")
    const finished =
      merge.finishedOn === 'given'
        ? sql`EXCLUDED.finished_on`
        : sql`coalesce(le.finished_on, CASE WHEN EXCLUDED.finished_on IS NOT NULL
                THEN greatest(${today}::date, ${started}) END)`
    const result = await sql<{ inserted: boolean }>`
      INSERT INTO library_entries AS le (user_id, book_id, shelf, progress, started_on, finished_on)
      VALUES (${userId}, ${bookId}, ${values.shelf}, ${values.progress},
              ${values.startedOn}::date, ${values.finishedOn}::date)
      ON CONFLICT (user_id, book_id) DO UPDATE SET
        shelf = EXCLUDED.shelf,
        progress = ${progress},
        started_on = ${started},
        finished_on = ${finished},
        updated_at = now()
      RETURNING (xmax = 0) AS inserted`.execute(this.db)
    return result.rows[0]!.inserted
  }

  /**
   * Takes a book out of the library. A bought book stays (ownership is a purchase, not a
   * shelf): its reading state is cleared instead. Returns whether there was an entry.
   */
  async remove(userId: number, bookId: number): Promise<boolean> {
    const result = await sql<{ n: number }>`
      WITH cleared AS (
        UPDATE library_entries
        SET shelf = NULL, progress = 0, started_on = NULL, finished_on = NULL, updated_at = now()
        WHERE user_id = ${userId} AND book_id = ${bookId} AND owned
        RETURNING 1
      ), deleted AS (
        DELETE FROM library_entries
        WHERE user_id = ${userId} AND book_id = ${bookId} AND NOT owned
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM cleared)::int + (SELECT count(*) FROM deleted)::int AS n`.execute(
      this.db,
    )
    return result.rows[0]!.n > 0
  }
}

export type LibraryEntryRow = NonNullable<Awaited<ReturnType<LibraryRepository['findEntry']>>>

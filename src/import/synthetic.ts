import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.ts'
import type { DB } from '../db/types.ts'
import { chunks, ensureGenres, insertIgnoringConflicts, upsertBySlug } from './bulk.ts'
import { GENRES } from './genre-map.ts'
import { priceFor } from './goodbooks-rows.ts'
import { slugify } from './slug.ts'
import {
  createVocabulary,
  MAX_SYNTHETIC_COUNTER,
  randomLanguage,
  randomRatings,
  randomYear,
  SYNTHETIC_ISBN_END,
  SYNTHETIC_ISBN_PREFIX,
  skewedIndexes,
  syntheticIsbn13,
  type Vocabulary,
} from './synthetic-data.ts'

export interface SyntheticOptions {
  count: number
  /** same seed, same books (on the same starting catalog); default 1 */
  seed?: number
  /** books per transaction */
  batchSize?: number
  onProgress?: (done: number, total: number, phase: 'books') => void
}

export interface SyntheticSummary {
  books: number
  authors: number
  series: number
  bookAuthors: number
  bookSeries: number
  bookGenres: number
  durationMs: number
}

// serialises concurrent synthetic runs while each takes its next block of ISBNs
const SYNTHETIC_LOCK_KEY = 7_402_190_332

/**
 * Adds `count` generated books (goodreads_id null) for load and pagination tests: 1-2 authors
 * from a pool of about count/10, 1-3 curated genres, about a third in series, ISBN-13s under
 * 979-0 that cannot collide with real ones.
 *
 * Not idempotent: every run adds `count` more books, continuing the ISBN counter and suffixing
 * its authors' and series' slugs with it, so runs never share or clash with each other.
 * Each batch commits on its own (books together with their links, so no book ever lacks its
 * authors): a million rows do not sit in one transaction, progress is durable, and an
 * interrupted run keeps the batches it completed — synthetic data has nothing to stay
 * consistent with, unlike the goodbooks import, which is all-or-nothing.
 */
export async function importSynthetic(
  database: Database,
  options: SyntheticOptions,
): Promise<SyntheticSummary> {
  const started = performance.now()
  const { count, onProgress } = options
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError('count must be a positive integer')
  const batchSize = options.batchSize ?? 10_000
  const v = createVocabulary(options.seed ?? 1)
  const db = database.db
  const summary: SyntheticSummary = {
    books: 0,
    authors: 0,
    series: 0,
    bookAuthors: 0,
    bookSeries: 0,
    bookGenres: 0,
    durationMs: 0,
  }

  const genreIds = [...(await ensureGenres(db, GENRES)).ids.values()]
  const runTag = await nextCounter(db)
  const authorIds = await createPool(
    db,
    'authors',
    Math.max(1, Math.round(count / 10)),
    runTag,
    () => v.personName(),
  )
  const seriesIds = await createPool(
    db,
    'series',
    Math.max(1, Math.round(count / 40)),
    runTag,
    () => v.seriesName(),
  )
  summary.authors = authorIds.inserted
  summary.series = seriesIds.inserted
  const seriesNext = new Array<number>(seriesIds.ids.length).fill(0)

  for (let done = 0; done < count; ) {
    const n = Math.min(batchSize, count - done)
    const books = Array.from({ length: n }, () =>
      generateBook(v, authorIds.ids, seriesIds.ids, genreIds, seriesNext),
    )
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${SYNTHETIC_LOCK_KEY})`.execute(trx)
      await insertBooks(trx, books, await nextCounter(trx), summary)
    })
    done += n
    onProgress?.(done, count, 'books')
  }
  summary.durationMs = Math.round(performance.now() - started)
  return summary
}

interface SyntheticBook {
  title: string
  subtitle: string | null
  language: string
  year: number | null
  ratings: [number, number, number, number, number]
  authors: number[]
  series: { id: number; position: number } | null
  genres: { id: number; weight: number }[]
}

function generateBook(
  v: Vocabulary,
  authors: number[],
  series: number[],
  genres: number[],
  seriesNext: number[],
): SyntheticBook {
  const inSeries = v.random() < 0.3 ? Math.floor(v.random() * series.length) : -1
  return {
    title: v.title(),
    subtitle: v.random() < 0.15 ? v.subtitle() : null,
    language: randomLanguage(v),
    year: randomYear(v),
    ratings: randomRatings(v),
    authors: skewedIndexes(v, authors.length, v.random() < 0.8 ? 1 : 2).map((i) => authors[i]!),
    series: inSeries < 0 ? null : { id: series[inSeries]!, position: ++seriesNext[inSeries]! },
    genres: skewedIndexes(v, genres.length, 1 + Math.floor(v.random() * 3)).map((i, rank) => ({
      id: genres[i]!,
      weight: Math.max(1, Math.round((1 + v.random() * 5_000) / (rank + 1))),
    })),
  }
}

/** The next free synthetic ISBN counter: one past the highest 979-0 ISBN in the catalog. */
async function nextCounter(db: Kysely<DB>): Promise<number> {
  const result = await sql<{ max: string | null }>`
    SELECT max(isbn13) AS max FROM books
    WHERE isbn13 >= ${SYNTHETIC_ISBN_PREFIX} AND isbn13 < ${SYNTHETIC_ISBN_END}`.execute(db)
  const max = result.rows[0]?.max
  return max ? Number(max.slice(4, 12)) + 1 : 0
}

async function createPool(
  db: Kysely<DB>,
  table: 'authors' | 'series',
  size: number,
  runTag: number,
  name: () => string,
): Promise<{ ids: number[]; inserted: number }> {
  const rows = Array.from({ length: size }, (_, i) => {
    const value = name()
    // the run's counter makes slugs unique across runs; the index, within the run
    return {
      name: value,
      slug: `${slugify(value, table === 'authors' ? 'author' : 'series')}-${runTag + i}`,
    }
  })
  const ids: number[] = []
  let inserted = 0
  for (const part of chunks(rows, 10_000)) {
    const result = await upsertBySlug(db, table, part)
    inserted += result.inserted
    for (const row of part) ids.push(result.ids.get(row.slug)!)
  }
  return { ids, inserted }
}

async function insertBooks(
  trx: Kysely<DB>,
  books: SyntheticBook[],
  firstCounter: number,
  summary: SyntheticSummary,
): Promise<void> {
  if (firstCounter + books.length - 1 > MAX_SYNTHETIC_COUNTER) {
    throw new RangeError('the synthetic ISBN range (979-0) is exhausted')
  }
  const isbns = books.map((_, i) => syntheticIsbn13(firstCounter + i))
  const col = <T>(pick: (b: SyntheticBook, i: number) => T) => books.map(pick)
  const inserted = await sql<{ id: number; isbn13: string }>`
    INSERT INTO books (title, subtitle, isbn13, language, original_publication_year, price_cents,
      ratings_1, ratings_2, ratings_3, ratings_4, ratings_5)
    SELECT * FROM unnest(${col((b) => b.title)}::text[], ${col((b) => b.subtitle)}::text[],
      ${isbns}::text[], ${col((b) => b.language)}::text[], ${col((b) => b.year)}::int2[],
      ${col((_, i) => priceFor(firstCounter + i + 1))}::int[],
      ${col((b) => b.ratings[0])}::int[], ${col((b) => b.ratings[1])}::int[],
      ${col((b) => b.ratings[2])}::int[], ${col((b) => b.ratings[3])}::int[],
      ${col((b) => b.ratings[4])}::int[])
    RETURNING id, isbn13`.execute(trx)
  // RETURNING does not promise input order, so rows are matched back by their unique ISBN
  const idByIsbn = new Map(inserted.rows.map((r) => [r.isbn13, r.id]))
  const ids = isbns.map((isbn) => idByIsbn.get(isbn)!)
  summary.books += inserted.rows.length

  const a: number[][] = [[], [], []]
  const s: number[][] = [[], [], []]
  const g: number[][] = [[], [], []]
  books.forEach((book, i) => {
    const id = ids[i]!
    book.authors.forEach((author, k) => {
      pushRow(a, [id, author, k + 1])
    })
    if (book.series) pushRow(s, [id, book.series.id, book.series.position])
    for (const genre of book.genres) pushRow(g, [id, genre.id, genre.weight])
  })
  const int = (name: string, type = 'int') => ({ name, type })
  summary.bookAuthors += await insertIgnoringConflicts(
    trx,
    'book_authors',
    [int('book_id'), int('author_id'), int('position', 'int2')],
    a,
  )
  summary.bookSeries += await insertIgnoringConflicts(
    trx,
    'book_series',
    [int('book_id'), int('series_id'), int('position', 'numeric')],
    s,
  )
  summary.bookGenres += await insertIgnoringConflicts(
    trx,
    'book_genres',
    [int('book_id'), int('genre_id'), int('weight')],
    g,
  )
}

/** Appends one row to column-wise arrays. */
function pushRow(columns: number[][], row: number[]): void {
  for (let c = 0; c < columns.length; c++) columns[c]!.push(row[c]!)
}

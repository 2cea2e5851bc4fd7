import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.ts'
import type { DB } from '../db/types.ts'
import {
  type Counts,
  emptyCounts,
  ensureGenres,
  insertIgnoringConflicts,
  upsertBySlug,
} from './bulk.ts'
import { GENRES, pickGenres, SHELF_GENRES } from './genre-map.ts'
import { estimateRecords, readBooks, readBookTags, readTags } from './goodbooks-reader.ts'
import { type BookRecord, toBookRecord } from './goodbooks-rows.ts'

export interface ImportSummary {
  books: Counts
  authors: Counts
  series: Counts
  genres: Counts
  /** links of new books are inserted; links of books already present count as skipped */
  bookAuthors: Counts
  bookSeries: Counts
  bookGenres: Counts
  /** books stored without an ISBN: none valid in the file, or another book already had it */
  booksWithoutIsbn: number
  /** of those, books whose ISBN-13 an earlier book of the file (or the catalog) already had */
  duplicateIsbn13: number
  durationMs: number
}

export type ImportPhase = 'books' | 'genres'

export interface ImportOptions {
  /** where books.csv(.gz), tags.csv(.gz) and book_tags.csv(.gz) are */
  dir: string
  onProgress?: (done: number, total: number, phase: ImportPhase) => void
  /** books per INSERT statement */
  batchSize?: number
}

/**
 * Imports goodbooks-10k into the catalog, all of it in one transaction: a failure anywhere (a
 * malformed record half-way through books.csv) rolls back to the catalog as it was.
 * Idempotent: books are keyed by goodreads_id, authors and series by slug, genres by slug, so a
 * second run inserts nothing and leaves existing rows (and their updated_at) untouched. Links are
 * only written for books inserted by this run, so a book an admin has edited since keeps its
 * authors, series and genres as edited.
 */
export async function importGoodbooks(
  database: Database,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now()
  const { dir, onProgress } = options
  const batchSize = options.batchSize ?? 2_500
  const summary: ImportSummary = {
    books: emptyCounts(),
    authors: emptyCounts(),
    series: emptyCounts(),
    genres: emptyCounts(),
    bookAuthors: emptyCounts(),
    bookSeries: emptyCounts(),
    bookGenres: emptyCounts(),
    booksWithoutIsbn: 0,
    duplicateIsbn13: 0,
    durationMs: 0,
  }
  const bookTotal = await estimateRecords(dir, 'books')
  // book_tags.csv is read while the books are written (PostgreSQL works in its own process
  // meanwhile), so the transaction does not sit idle for the second it takes. Its failure is
  // observed inside the transaction, which then rolls back; the catch below only keeps an
  // early rejection from being reported as unhandled in the meantime.
  const shelves = sumShelves(dir)
  shelves.catch(() => {})

  await database.db.transaction().execute(async (trx) => {
    const genres = await ensureGenres(trx, GENRES)
    summary.genres = { inserted: genres.inserted, skipped: GENRES.length - genres.inserted }
    const state: BatchState = {
      isbn13s: new Set(),
      authors: new Set(),
      series: new Set(),
      books: new Map(),
    }
    let batch: BookRecord[] = []
    let done = 0
    const flush = async () => {
      await insertBatch(trx, batch, state, summary)
      done += batch.length
      batch = []
      onProgress?.(done, Math.max(done, bookTotal), 'books')
    }
    for await (const raw of readBooks(dir)) {
      batch.push(toBookRecord(raw))
      if (batch.length >= batchSize) await flush()
    }
    await flush()

    const weights = await shelves
    const links: [number[], number[], number[]] = [[], [], []]
    for (const [goodreadsId, byGenre] of weights) {
      const bookId = state.books.get(goodreadsId)
      for (const [slug, weight] of pickGenres(byGenre)) {
        const genreId = genres.ids.get(slug)
        if (genreId === undefined) continue
        if (bookId === undefined) {
          // a book that was already there (or is not in books.csv): its genres stay as they are
          summary.bookGenres.skipped++
          continue
        }
        links[0].push(bookId)
        links[1].push(genreId)
        links[2].push(weight)
      }
    }
    const inserted = await insertIgnoringConflicts(trx, 'book_genres', GENRE_LINK, links)
    summary.bookGenres.inserted += inserted
    summary.bookGenres.skipped += links[0].length - inserted
    onProgress?.(weights.size, weights.size, 'genres')
  })
  summary.durationMs = Math.round(performance.now() - started)
  return summary
}

/** Summed shelf counts per goodreads id and genre, from tags.csv and book_tags.csv. */
async function sumShelves(dir: string): Promise<Map<number, Map<string, number>>> {
  const tagGenres = new Map<number, readonly string[]>()
  for await (const tag of readTags(dir)) {
    const genres = SHELF_GENRES.get(tag.name)
    if (genres) tagGenres.set(tag.tagId, genres)
  }
  const weights = new Map<number, Map<string, number>>()
  for await (const row of readBookTags(dir)) {
    const slugs = tagGenres.get(row.tagId)
    if (!slugs) continue
    const book = weights.get(row.goodreadsId) ?? new Map<string, number>()
    weights.set(row.goodreadsId, book)
    for (const slug of slugs) book.set(slug, (book.get(slug) ?? 0) + row.count)
  }
  return weights
}

interface BatchState {
  /** ISBN-13s given to an earlier book of this run */
  isbn13s: Set<string>
  /** slugs already counted in the summary */
  authors: Set<string>
  series: Set<string>
  /** goodreads id → id of the books this run inserted */
  books: Map<number, number>
}

const GENRE_LINK = [
  { name: 'book_id', type: 'int' },
  { name: 'genre_id', type: 'int' },
  { name: 'weight', type: 'int' },
]
const AUTHOR_LINK = [
  { name: 'book_id', type: 'int' },
  { name: 'author_id', type: 'int' },
  { name: 'position', type: 'int2' },
]
const SERIES_LINK = [
  { name: 'book_id', type: 'int' },
  { name: 'series_id', type: 'int' },
  { name: 'position', type: 'numeric' },
  { name: 'position_label', type: 'text' },
]

async function insertBatch(
  trx: Kysely<DB>,
  records: BookRecord[],
  state: BatchState,
  summary: ImportSummary,
): Promise<void> {
  if (records.length === 0) return
  await releaseTakenIsbns(trx, records, state, summary)

  const authors = await upsertBySlug(trx, 'authors', distinctNew(records.flatMap((r) => r.authors)))
  const series = await upsertBySlug(trx, 'series', distinctNew(records.flatMap((r) => r.series)))
  count(
    summary.authors,
    state.authors,
    records.flatMap((r) => r.authors),
    authors.inserted,
  )
  count(
    summary.series,
    state.series,
    records.flatMap((r) => r.series),
    series.inserted,
  )

  const col = <T>(pick: (r: BookRecord) => T) => records.map(pick)
  const inserted = await sql<{ id: number; goodreads_id: number }>`
    INSERT INTO books (goodreads_id, title, subtitle, isbn10, isbn13, language,
      original_publication_year, cover_url, cover_small_url, price_cents,
      ratings_1, ratings_2, ratings_3, ratings_4, ratings_5)
    SELECT * FROM unnest(${col((r) => r.goodreadsId)}::int[], ${col((r) => r.title)}::text[],
      ${col((r) => r.subtitle)}::text[], ${col((r) => r.isbn10)}::text[], ${col((r) => r.isbn13)}::text[],
      ${col((r) => r.language)}::text[], ${col((r) => r.year)}::int2[], ${col((r) => r.coverUrl)}::text[],
      ${col((r) => r.coverSmallUrl)}::text[], ${col((r) => r.priceCents)}::int[],
      ${col((r) => r.ratings[0])}::int[], ${col((r) => r.ratings[1])}::int[], ${col((r) => r.ratings[2])}::int[],
      ${col((r) => r.ratings[3])}::int[], ${col((r) => r.ratings[4])}::int[])
    ON CONFLICT (goodreads_id) DO NOTHING
    RETURNING id, goodreads_id`.execute(trx)
  const fresh = new Map(inserted.rows.map((r) => [r.goodreads_id, r.id]))
  for (const [goodreadsId, id] of fresh) state.books.set(goodreadsId, id)
  summary.books.inserted += fresh.size
  summary.books.skipped += records.length - fresh.size

  const authorLinks: [number[], number[], number[]] = [[], [], []]
  const seriesLinks: [number[], number[], (number | null)[], (string | null)[]] = [[], [], [], []]
  for (const record of records) {
    const bookId = fresh.get(record.goodreadsId)
    // taken once, so a goodreads id listed twice in the file cannot link its book twice
    fresh.delete(record.goodreadsId)
    if (bookId === undefined) {
      summary.bookAuthors.skipped += record.authors.length
      summary.bookSeries.skipped += record.series.length
      continue
    }
    if (record.isbn13 === null) summary.booksWithoutIsbn++
    record.authors.forEach((a, i) => {
      authorLinks[0].push(bookId)
      authorLinks[1].push(authors.ids.get(a.slug)!)
      authorLinks[2].push(i + 1)
    })
    for (const s of record.series) {
      seriesLinks[0].push(bookId)
      seriesLinks[1].push(series.ids.get(s.slug)!)
      seriesLinks[2].push(s.position)
      seriesLinks[3].push(s.positionLabel)
    }
  }
  const authorsIn = await insertIgnoringConflicts(trx, 'book_authors', AUTHOR_LINK, authorLinks)
  summary.bookAuthors.inserted += authorsIn
  summary.bookAuthors.skipped += authorLinks[0].length - authorsIn
  const seriesIn = await insertIgnoringConflicts(trx, 'book_series', SERIES_LINK, seriesLinks)
  summary.bookSeries.inserted += seriesIn
  summary.bookSeries.skipped += seriesLinks[0].length - seriesIn
}

/**
 * ISBN-13 is unique: the first book of the file to carry one keeps it, and a later one (another
 * edition listed with the same ISBN) is stored without ISBNs. The same goes for an ISBN some
 * other catalog book already has.
 */
async function releaseTakenIsbns(
  trx: Kysely<DB>,
  records: BookRecord[],
  state: BatchState,
  summary: ImportSummary,
): Promise<void> {
  const candidates = records.filter((r) => r.isbn13 !== null)
  const taken = await sql<{ isbn13: string; goodreads_id: number | null }>`
    SELECT isbn13, goodreads_id FROM books
    WHERE isbn13 = ANY(${candidates.map((r) => r.isbn13)}::text[])`.execute(trx)
  const owner = new Map(taken.rows.map((r) => [r.isbn13, r.goodreads_id]))
  for (const record of candidates) {
    const isbn13 = record.isbn13!
    const holder = owner.get(isbn13)
    const takenElsewhere = holder !== undefined && holder !== record.goodreadsId
    if (state.isbn13s.has(isbn13) || takenElsewhere) {
      record.isbn13 = null
      record.isbn10 = null
      summary.duplicateIsbn13++
    } else {
      state.isbn13s.add(isbn13)
    }
  }
}

function distinctNew<T extends { slug: string }>(items: T[]): T[] {
  const bySlug = new Map<string, T>()
  for (const item of items) if (!bySlug.has(item.slug)) bySlug.set(item.slug, item)
  return [...bySlug.values()]
}

/** Each distinct slug of the run counts once: inserted by this run, or found already there. */
function count(counts: Counts, seen: Set<string>, items: { slug: string }[], inserted: number) {
  let fresh = 0
  for (const { slug } of items) if (!seen.has(slug) && seen.add(slug)) fresh++
  counts.inserted += inserted
  counts.skipped += fresh - inserted
}

import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { parse } from 'csv-parse'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.ts'
import type { DB } from '../db/types.ts'
import { type Counts, emptyCounts } from './bulk.ts'
import { estimateRecords, GoodbooksFormatError, readBooks, resolveCsv } from './goodbooks-reader.ts'

/**
 * Imports goodbooks-10k's ratings.csv (user_id, book_id, rating): each Goodreads reader becomes
 * a user who cannot log in (goodbooks_user_id set, no email, no password) and each rating a
 * review without text, marked source = 'goodbooks'. Those ratings are already inside the
 * Goodreads histograms the catalog import stored in books.ratings_N, so the rating triggers
 * leave them out of the summaries (0003_reviews_library.sql): the summaries do not change.
 *
 * ratings.csv's book_id is books.csv's own 1..10000 id; it reaches a catalog book through
 * books.csv's goodreads_book_id and books.goodreads_id. A rating whose book is missing from
 * either is counted and skipped. Idempotent (users keyed by goodbooks_user_id, reviews by
 * (user_id, book_id)), and all or nothing: one transaction, as the catalog import.
 */

export interface RatingsImportSummary {
  /** records in ratings.csv */
  ratingsInFile: number
  /** skipped: already imported by an earlier run */
  users: Counts
  /** skipped: already imported, or a reader's second rating of a book (the first counts) */
  reviews: Counts
  /** ratings of a book that books.csv or the catalog does not have */
  missingBook: number
  durationMs: number
}

export interface RatingsImportOptions {
  /** where ratings.csv(.gz) and books.csv(.gz) are */
  dir: string
  onProgress?: (done: number, total: number) => void
  /** ratings per INSERT statement */
  batchSize?: number
}

interface Rating {
  goodbooksUserId: number
  goodbooksBookId: number
  rating: number
}

const positive = (value: string | undefined) =>
  value !== undefined && /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : null

/** Streams ratings.csv; a record that is not three positive integers (rating 1–5) throws. */
async function* readRatings(dir: string): AsyncGenerator<Rating> {
  const path = await resolveCsv(dir, 'ratings')
  const file = createReadStream(path)
  const source: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file
  const parser = source.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true }))
  source.on('error', (err) => parser.destroy(err))
  let n = 0
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      n++
      if (n === 1) {
        if (record.join(',') !== 'user_id,book_id,rating') {
          throw new GoodbooksFormatError(`${path}: header is not user_id,book_id,rating`)
        }
        continue
      }
      const [userId, bookId, rating] = record.map((v) => positive(v.trim()))
      if (record.length !== 3 || !userId || !bookId || !rating || rating > 5) {
        throw new GoodbooksFormatError(`${path} record ${n - 1}: not a rating: ${record.join(',')}`)
      }
      yield { goodbooksUserId: userId, goodbooksBookId: bookId, rating }
    }
  } catch (err) {
    if (err instanceof GoodbooksFormatError) throw err
    throw new GoodbooksFormatError(`${path}: ${(err as Error).message}`, { cause: err })
  } finally {
    file.destroy()
  }
}

export async function importRatings(
  database: Database,
  options: RatingsImportOptions,
): Promise<RatingsImportSummary> {
  const started = performance.now()
  const { dir, onProgress } = options
  const batchSize = options.batchSize ?? 20_000
  const summary: RatingsImportSummary = {
    ratingsInFile: 0,
    users: emptyCounts(),
    reviews: emptyCounts(),
    missingBook: 0,
    durationMs: 0,
  }
  const total = await estimateRecords(dir, 'ratings')
  // books.csv id → goodreads id, read before the transaction opens so that it never idles
  const goodreadsIds = new Map<number, number>()
  for await (const book of readBooks(dir)) goodreadsIds.set(book.bookId, book.goodreadsId)

  await database.db.transaction().execute(async (trx) => {
    const catalog = await trx
      .selectFrom('books')
      .select(['id', 'goodreads_id'])
      .where('goodreads_id', 'is not', null)
      .execute()
    const bookIds = new Map(catalog.map((b) => [b.goodreads_id!, b.id]))
    const seenUsers = new Set<number>()
    let batch: { bookId: number; userId: number; rating: number }[] = []
    const flush = async () => {
      await insertBatch(trx, batch, seenUsers, summary)
      batch = []
      onProgress?.(summary.ratingsInFile, Math.max(total, summary.ratingsInFile))
    }
    for await (const r of readRatings(dir)) {
      summary.ratingsInFile++
      const goodreadsId = goodreadsIds.get(r.goodbooksBookId)
      const bookId = goodreadsId === undefined ? undefined : bookIds.get(goodreadsId)
      if (bookId === undefined) {
        summary.missingBook++
        continue
      }
      batch.push({ bookId, userId: r.goodbooksUserId, rating: r.rating })
      if (batch.length >= batchSize) await flush()
    }
    await flush()
  })
  summary.durationMs = Math.round(performance.now() - started)
  return summary
}

async function insertBatch(
  trx: Kysely<DB>,
  batch: { bookId: number; userId: number; rating: number }[],
  seenUsers: Set<number>,
  summary: RatingsImportSummary,
) {
  if (batch.length === 0) return
  const newUsers = [...new Set(batch.map((r) => r.userId))].filter((id) => !seenUsers.has(id))
  for (const id of newUsers) seenUsers.add(id)
  if (newUsers.length > 0) {
    const users = await sql<{ n: number }>`
      WITH inserted AS (
        INSERT INTO users (goodbooks_user_id, display_name)
        SELECT id, 'Goodreads reader ' || id FROM unnest(${newUsers}::int[]) AS id
        ON CONFLICT (goodbooks_user_id) DO NOTHING
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM inserted`.execute(trx)
    const inserted = users.rows[0]!.n
    summary.users.inserted += inserted
    summary.users.skipped += newUsers.length - inserted
  }
  // Users are found by their goodbooks id in the same statement: no id map travels back. Rows
  // go in file order, so that of a reader's two ratings of one book the first one is kept.
  const reviews = await sql<{ n: number }>`
    WITH inserted AS (
      INSERT INTO reviews (book_id, user_id, rating, source)
      SELECT r.book_id, u.id, r.rating, 'goodbooks'
      FROM unnest(${batch.map((r) => r.bookId)}::int[], ${batch.map((r) => r.userId)}::int[],
                  ${batch.map((r) => r.rating)}::int2[])
           WITH ORDINALITY AS r(book_id, goodbooks_user_id, rating, position)
      JOIN users u ON u.goodbooks_user_id = r.goodbooks_user_id
      ORDER BY r.position
      ON CONFLICT (user_id, book_id) DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM inserted`.execute(trx)
  const inserted = reviews.rows[0]!.n
  summary.reviews.inserted += inserted
  summary.reviews.skipped += batch.length - inserted
}

import assert from 'node:assert/strict'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { sql } from 'kysely'
import type { Database } from '../../../src/db/database.ts'
import {
  countRecords,
  GoodbooksFormatError,
  readBooks,
} from '../../../src/import/goodbooks-reader.ts'
import { importRatings } from '../../../src/import/ratings-import.ts'
import { createTestDatabase, GOODBOOKS_DIR } from '../../helpers/database.ts'

/** goodbooks-10k's ratings.csv as users and rating-only reviews, against figures from the file. */

/** every stored rating summary, reduced to one digest */
const summaries = async (database: Database) =>
  (
    await sql<{ d: string }>`
      SELECT md5(string_agg(concat_ws(':', id, ratings_1, ratings_2, ratings_3, ratings_4,
                 ratings_5, bayesian_rating), '|' ORDER BY id)) AS d FROM books`.execute(
      database.db,
    )
  ).rows[0]!.d

const imported = async (database: Database) =>
  (
    await sql<{ reviews: number; users: number; d: string }>`
      SELECT (SELECT count(*)::int FROM reviews WHERE source = 'goodbooks') AS reviews,
             (SELECT count(*)::int FROM users WHERE goodbooks_user_id IS NOT NULL) AS users,
             (SELECT md5(string_agg(concat_ws(':', id, book_id, user_id, rating, created_at),
                                    '|' ORDER BY id)) FROM reviews) AS d`.execute(database.db)
  ).rows[0]!

/** ratings.csv read without the importer: plain lines, joined to the catalog by hand */
async function expectedFromFile(database: Database) {
  const goodreadsIds = new Map<number, number>()
  for await (const book of readBooks(GOODBOOKS_DIR)) goodreadsIds.set(book.bookId, book.goodreadsId)
  const catalog = await database.db.selectFrom('books').select(['id', 'goodreads_id']).execute()
  const bookIds = new Map(catalog.map((b) => [b.goodreads_id, b.id]))
  const lines = gunzipSync(await readFile(join(GOODBOOKS_DIR, 'ratings.csv.gz')))
    .toString('utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
  const users = new Set<number>()
  const perBook = new Map<number, number>()
  let missing = 0
  for (const line of lines) {
    const [user, book] = line.split(',').map(Number)
    const bookId = bookIds.get(goodreadsIds.get(book!) ?? -1)
    if (bookId === undefined) {
      missing++
      continue
    }
    users.add(user!)
    perBook.set(bookId, (perBook.get(bookId) ?? 0) + 1)
  }
  return { lines: lines.length, missing, users: users.size, perBook, goodreadsIds, bookIds }
}

test('imports every rating whose book is in the catalog, once, leaving the summaries alone', async (t) => {
  const database = await createTestDatabase(t, { seed: true })
  const inFile = await countRecords(GOODBOOKS_DIR, 'ratings')
  const expected = await expectedFromFile(database)
  assert.equal(expected.lines, inFile)
  const before = await summaries(database)

  const summary = await importRatings(database, { dir: GOODBOOKS_DIR })
  t.diagnostic(
    `${database.engine}: ${inFile} ratings in the file, ${expected.missing} of a book not in ` +
      `the catalog, ${summary.reviews.inserted} imported by ${summary.users.inserted} readers ` +
      `in ${summary.durationMs} ms`,
  )
  assert.equal(summary.ratingsInFile, inFile)
  assert.equal(summary.missingBook, expected.missing)
  assert.deepEqual(summary.reviews, { inserted: inFile - expected.missing, skipped: 0 })
  assert.deepEqual(summary.users, { inserted: expected.users, skipped: 0 })
  const first = await imported(database)
  assert.equal(first.reviews, inFile - expected.missing)
  assert.equal(first.users, expected.users)
  // the Goodreads histograms already hold these ratings: nothing is counted twice
  assert.equal(await summaries(database), before)

  // the file's first record, "8,2584,5": Goodreads reader 8 gave books.csv's book 2584 five stars
  const bookId = expected.bookIds.get(expected.goodreadsIds.get(2584)!)!
  const reader = await database.db
    .selectFrom('users')
    .innerJoin('reviews', 'reviews.user_id', 'users.id')
    .select(['display_name', 'email', 'password_hash', 'role', 'rating', 'title', 'body', 'source'])
    .where('goodbooks_user_id', '=', 8)
    .where('reviews.book_id', '=', bookId)
    .executeTakeFirstOrThrow()
  assert.deepEqual(reader, {
    display_name: 'Goodreads reader 8',
    email: null,
    password_hash: null,
    role: 'user',
    rating: 5,
    title: null,
    body: null,
    source: 'goodbooks',
  })
  const perBook = await database.db
    .selectFrom('reviews')
    .select(['book_id', sql<number>`count(*)::int`.as('n')])
    .groupBy('book_id')
    .execute()
  assert.deepEqual(new Map(perBook.map((r) => [r.book_id, r.n])), expected.perBook)

  const again = await importRatings(database, { dir: GOODBOOKS_DIR })
  assert.deepEqual(again.reviews, { inserted: 0, skipped: inFile - expected.missing })
  assert.deepEqual(again.users, { inserted: 0, skipped: expected.users })
  assert.deepEqual(await imported(database), first)
  assert.equal(await summaries(database), before)
})

async function ratingsDir(t: { after(fn: () => unknown): void }, ratings: string) {
  const dir = await mkdtemp(join(tmpdir(), 'victoria-ratings-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  await copyFile(join(GOODBOOKS_DIR, 'books.csv.gz'), join(dir, 'books.csv.gz'))
  await writeFile(join(dir, 'ratings.csv'), ratings)
  return dir
}

test('ratings of books missing from books.csv or the catalog are counted and skipped', async (t) => {
  const database = await createTestDatabase(t)
  let goodreadsId = 0
  for await (const book of readBooks(GOODBOOKS_DIR))
    if (book.bookId === 1) goodreadsId = book.goodreadsId
  const book = await database.db
    .insertInto('books')
    .values({ goodreads_id: goodreadsId, title: 'Book one', price_cents: 999, ratings_4: 10 })
    .returning('id')
    .executeTakeFirstOrThrow()
  // book 2 is in books.csv but not in this catalog; 10001 is in neither; user 7 rates twice
  const dir = await ratingsDir(t, 'user_id,book_id,rating\n7,1,4\n8,2,5\n9,10001,3\n7,1,2\n')
  const summary = await importRatings(database, { dir })
  assert.equal(summary.ratingsInFile, 4)
  assert.equal(summary.missingBook, 2)
  assert.deepEqual(summary.reviews, { inserted: 1, skipped: 1 })
  assert.deepEqual(summary.users, { inserted: 1, skipped: 0 })
  const rows = await database.db
    .selectFrom('reviews')
    .innerJoin('users', 'users.id', 'reviews.user_id')
    .select(['users.goodbooks_user_id', 'reviews.book_id', 'reviews.rating'])
    .execute()
  assert.deepEqual(rows, [{ goodbooks_user_id: 7, book_id: book.id, rating: 4 }])
  const stored = await database.db
    .selectFrom('books')
    .select(['ratings_4', 'ratings_count'])
    .where('id', '=', book.id)
    .executeTakeFirstOrThrow()
  assert.deepEqual(stored, { ratings_4: 10, ratings_count: 10 })
})

test('a malformed rating stops the import and leaves nothing behind', async (t) => {
  const database = await createTestDatabase(t, { seed: true })
  const dir = await ratingsDir(t, 'user_id,book_id,rating\n7,1,4\n8,2,6\n')
  await assert.rejects(importRatings(database, { dir, batchSize: 1 }), GoodbooksFormatError)
  assert.deepEqual(await imported(database), { reviews: 0, users: 0, d: null })
})

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { sql } from 'kysely'
import type { Database } from '../../../src/db/database.ts'
import { importGoodbooks } from '../../../src/import/goodbooks-import.ts'
import {
  countRecords,
  GoodbooksFormatError,
  readBooks,
} from '../../../src/import/goodbooks-reader.ts'
import { createTestDatabase, GOODBOOKS_DIR } from '../../helpers/database.ts'
import { corruptCopy } from './corrupt-goodbooks.ts'

const TABLES = [
  'books',
  'authors',
  'series',
  'genres',
  'book_authors',
  'book_series',
  'book_genres',
] as const

async function tableCounts(database: Database): Promise<Record<(typeof TABLES)[number], number>> {
  const counts = {} as Record<(typeof TABLES)[number], number>
  for (const table of TABLES) {
    const result = await sql<{
      n: number
    }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(database.db)
    counts[table] = result.rows[0]!.n
  }
  return counts
}

/** every row of the catalog tables, reduced to one digest: any change at all changes it */
async function fingerprint(database: Database): Promise<string> {
  const result = await sql<{ digest: string }>`
    SELECT md5(
      coalesce((SELECT string_agg(b::text, '|' ORDER BY id) FROM books b), '') ||
      coalesce((SELECT string_agg(a::text, '|' ORDER BY id) FROM authors a), '') ||
      coalesce((SELECT string_agg(s::text, '|' ORDER BY id) FROM series s), '') ||
      coalesce((SELECT string_agg(ba::text, '|' ORDER BY book_id, author_id) FROM book_authors ba), '') ||
      coalesce((SELECT string_agg(bs::text, '|' ORDER BY book_id, series_id) FROM book_series bs), '') ||
      coalesce((SELECT string_agg(bg::text, '|' ORDER BY book_id, genre_id) FROM book_genres bg), '')
    ) AS digest`.execute(database.db)
  return result.rows[0]!.digest
}

async function seriesTitles(database: Database, slug: string): Promise<string[]> {
  const rows = await database.db
    .selectFrom('book_series')
    .innerJoin('series', 'series.id', 'book_series.series_id')
    .innerJoin('books', 'books.id', 'book_series.book_id')
    .where('series.slug', '=', slug)
    .where('book_series.position_label', 'is', null)
    .select(['books.title', 'book_series.position'])
    .orderBy('book_series.position')
    .execute()
  return rows.map((r) => `${Number(r.position)} ${r.title}`)
}

async function genresOf(database: Database, goodreadsId: number): Promise<string[]> {
  const rows = await database.db
    .selectFrom('book_genres')
    .innerJoin('books', 'books.id', 'book_genres.book_id')
    .innerJoin('genres', 'genres.id', 'book_genres.genre_id')
    .where('books.goodreads_id', '=', goodreadsId)
    .select('genres.slug')
    .orderBy('genres.slug')
    .execute()
  return rows.map((r) => r.slug)
}

test('goodbooks import into a fresh database', async (t) => {
  const database = await createTestDatabase(t)
  const summary = await importGoodbooks(database, { dir: GOODBOOKS_DIR })
  const counts = await tableCounts(database)

  await t.test('every record of books.csv becomes one book', async () => {
    const rows = await countRecords(GOODBOOKS_DIR, 'books')
    assert.ok(rows > 0)
    assert.equal(counts.books, rows)
    assert.deepEqual(summary.books, { inserted: rows, skipped: 0 })
  })

  await t.test('authors are de-duplicated by slug and linked in order', async () => {
    const names = new Set<string>()
    for await (const book of readBooks(GOODBOOKS_DIR)) {
      for (const name of book.authors.split(',')) names.add(name.trim())
    }
    const slugs = await sql<{
      n: number
    }>`SELECT count(DISTINCT slug)::int AS n FROM authors`.execute(database.db)
    assert.equal(slugs.rows[0]!.n, counts.authors)
    // "William  Gibson" and "William Gibson" in the file are one author
    assert.ok(counts.authors < names.size, `${counts.authors} authors for ${names.size} spellings`)
    const hp1 = await database.db
      .selectFrom('book_authors')
      .innerJoin('authors', 'authors.id', 'book_authors.author_id')
      .innerJoin('books', 'books.id', 'book_authors.book_id')
      .where('books.goodreads_id', '=', 3)
      .select(['authors.name', 'authors.slug', 'book_authors.position'])
      .orderBy('book_authors.position')
      .execute()
    assert.deepEqual(hp1, [
      { name: 'J.K. Rowling', slug: 'j-k-rowling', position: 1 },
      { name: 'Mary GrandPré', slug: 'mary-grandpre', position: 2 },
    ])
    // Holes lists "Louis Sachar, Louis Sachar"
    const holes = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM book_authors ba JOIN books b ON b.id = ba.book_id
      WHERE b.goodreads_id = 38709`.execute(database.db)
    assert.equal(holes.rows[0]!.n, 1)
  })

  await t.test('series hold their volumes in order', async () => {
    assert.deepEqual(await seriesTitles(database, 'the-hunger-games'), [
      '1 The Hunger Games',
      '2 Catching Fire',
      '3 Mockingjay',
    ])
    const hp = await seriesTitles(database, 'harry-potter')
    assert.deepEqual(hp.slice(0, 7), [
      "1 Harry Potter and the Sorcerer's Stone",
      '2 Harry Potter and the Chamber of Secrets',
      '3 Harry Potter and the Prisoner of Azkaban',
      '4 Harry Potter and the Goblet of Fire',
      '5 Harry Potter and the Order of the Phoenix',
      '6 Harry Potter and the Half-Blood Prince',
      '7 Harry Potter and the Deathly Hallows',
    ])
    const omnibus = await sql<{ position: number; position_label: string }>`
      SELECT bs.position, bs.position_label FROM book_series bs JOIN books b ON b.id = bs.book_id
      WHERE b.goodreads_id = 7938275`.execute(database.db)
    assert.deepEqual(omnibus.rows, [{ position: 1, position_label: '1-3' }])
  })

  await t.test('stored ISBNs are valid and unique; the Hunger Games row is converted', async () => {
    const check = await sql<{
      bad13: number
      bad10: number
      missing: number
      distinct13: number
      with13: number
    }>`
      SELECT count(*) FILTER (WHERE NOT isbn13_is_valid(isbn13))::int AS bad13,
             count(*) FILTER (WHERE NOT isbn10_is_valid(isbn10))::int AS bad10,
             count(*) FILTER (WHERE isbn13 IS NULL)::int AS missing,
             count(DISTINCT isbn13)::int AS distinct13,
             count(isbn13)::int AS with13
      FROM books`.execute(database.db)
    const row = check.rows[0]!
    assert.equal(row.bad13, 0)
    assert.equal(row.bad10, 0)
    assert.equal(row.distinct13, row.with13)
    assert.equal(row.missing, summary.booksWithoutIsbn)
    const hungerGames = await database.db
      .selectFrom('books')
      .selectAll()
      .where('goodreads_id', '=', 2767052)
      .executeTakeFirstOrThrow()
    assert.equal(hungerGames.title, 'The Hunger Games')
    assert.equal(hungerGames.isbn10, '0439023483')
    assert.equal(hungerGames.isbn13, '9780439023481')
    assert.equal(hungerGames.original_publication_year, 2008)
    assert.equal(hungerGames.language, 'eng')
    assert.equal(hungerGames.ratings_1, 66715)
    assert.equal(hungerGames.ratings_5, 2706317)
    assert.ok(hungerGames.price_cents >= 499 && hungerGames.price_cents <= 2499)
    assert.match(hungerGames.cover_url!, /^https:\/\/images\.gr-assets\.com\//)
    const odyssey = await database.db
      .selectFrom('books')
      .select('original_publication_year')
      .where('goodreads_id', '=', 1381)
      .executeTakeFirstOrThrow()
    assert.equal(odyssey.original_publication_year, -720)
    const placeholders = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM books WHERE cover_url LIKE '%nophoto%'`.execute(database.db)
    assert.equal(placeholders.rows[0]!.n, 0)
  })

  await t.test('genres come from the shelves of book_tags.csv', async () => {
    assert.deepEqual(await genresOf(database, 19063), ['historical-fiction', 'young-adult']) // The Book Thief
    assert.ok((await genresOf(database, 18373)).includes('science-fiction')) // Flowers for Algernon
    // book_tags.csv covers 2,207 of the books, and not the Harry Potter ones
    assert.deepEqual(await genresOf(database, 3), [])
    assert.equal(counts.genres, 28)
    const fantasy = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM book_genres bg JOIN genres g ON g.id = bg.genre_id
      WHERE g.slug = 'fantasy'`.execute(database.db)
    assert.ok(fantasy.rows[0]!.n >= 50, `${fantasy.rows[0]!.n} fantasy books`)
  })

  await t.test('a second run inserts nothing and changes nothing', async () => {
    const before = await fingerprint(database)
    const again = await importGoodbooks(database, { dir: GOODBOOKS_DIR })
    assert.deepEqual(await tableCounts(database), counts)
    assert.equal(await fingerprint(database), before)
    for (const key of [
      'books',
      'authors',
      'series',
      'genres',
      'bookAuthors',
      'bookSeries',
      'bookGenres',
    ] as const) {
      assert.equal(again[key].inserted, 0, key)
      assert.equal(again[key].skipped, summary[key].inserted, key)
    }
  })
})

test('a failed import leaves the database as it was', async (t) => {
  const database = await createTestDatabase(t)
  await database.db
    .insertInto('authors')
    .values({ name: 'Already There', slug: 'already-there' })
    .execute()
  const before = await tableCounts(database)
  const fingerprintBefore = await fingerprint(database)
  const dir = await mkdtemp(join(tmpdir(), 'victoria-goodbooks-'))
  t.after(() => rm(dir, { recursive: true, force: true }))

  await t.test('a malformed record half-way through books.csv', async () => {
    await corruptCopy(GOODBOOKS_DIR, dir, { books: 35 })
    let inserted = 0
    const failure = importGoodbooks(database, {
      dir,
      batchSize: 10,
      onProgress: (done, _total, phase) => {
        if (phase === 'books') inserted = done
      },
    })
    await assert.rejects(failure, GoodbooksFormatError)
    assert.equal(inserted, 30, 'three batches were written before the bad record')
    assert.deepEqual(await tableCounts(database), before)
    assert.equal(await fingerprint(database), fingerprintBefore)
  })

  await t.test('a malformed book_tags.csv, after every book was written', async () => {
    await corruptCopy(GOODBOOKS_DIR, dir, { bookTags: true })
    await assert.rejects(importGoodbooks(database, { dir, batchSize: 10 }), GoodbooksFormatError)
    assert.deepEqual(await tableCounts(database), before)
  })

  await t.test('the same files, repaired, import', async () => {
    await corruptCopy(GOODBOOKS_DIR, dir, {})
    const summary = await importGoodbooks(database, { dir, batchSize: 10 })
    assert.equal(summary.books.inserted, 40)
  })
})

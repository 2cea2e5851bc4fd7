import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type CompiledQuery, type Kysely, sql } from 'kysely'
import type { DB } from '../../../src/db/types.ts'
import { importSynthetic } from '../../../src/import/synthetic.ts'
import { runMaintenanceJob } from '../../../src/jobs/maintenance.ts'
import { BooksRepository } from '../../../src/modules/catalog/books.repository.ts'
import { LibraryRepository } from '../../../src/modules/library/library.repository.ts'
import { OrdersRepository } from '../../../src/modules/orders/orders.repository.ts'
import { RecommendationsRepository } from '../../../src/modules/recommendations/recommendations.repository.ts'
import { ReviewsRepository } from '../../../src/modules/reviews/reviews.repository.ts'
import { createTestDatabase } from '../../helpers/database.ts'
import { describePlan, explainPlan } from '../../helpers/plans.ts'

/**
 * The reader-side hot paths use indexes on a 100k-book catalog with readers, reviews, libraries
 * and a built recommendation model: the plans of exactly the SQL the repositories send
 * (captured on its way to the database, not retyped) contain no sequential scan of a table
 * that grows with use. Complements test/integration/catalog/query-plans.test.ts (book by id,
 * lists by genre and author, the list totals), which it does not repeat.
 */

const database = await createTestDatabase({ after }, {})
const GROWING = [
  'books',
  'book_genres',
  'book_authors',
  'book_series',
  'authors',
  'series',
  'users',
  'reviews',
  'library_entries',
  'book_neighbours',
  'book_stats',
  'orders',
  'order_items',
]

/** Runs `run` against a Kysely that records every query it sends, compiled. */
async function capture(run: (db: Kysely<DB>) => Promise<unknown>): Promise<CompiledQuery[]> {
  const compiled: CompiledQuery[] = []
  const base = database.db
  const recording = base.withPlugin({
    transformQuery({ node, queryId }) {
      compiled.push(base.getExecutor().compileQuery(node, queryId))
      return node
    },
    async transformResult({ result }) {
      return result
    },
  })
  await run(recording)
  return compiled
}

const explain = (query: CompiledQuery) => explainPlan(database.db, query)

/**
 * No sequential scan of a growing table, and each of `indexes` somewhere in the plans (an
 * array: any one of those).
 */
async function assertIndexed(queries: CompiledQuery[], ...indexes: (string | readonly string[])[]) {
  assert.ok(queries.length > 0, 'the repository sent a query')
  const plans = await Promise.all(queries.map(explain))
  for (const plan of plans) {
    const seqScans = plan.filter(
      (n) => n['Node Type'] === 'Seq Scan' && GROWING.includes(n['Relation Name'] ?? ''),
    )
    assert.deepEqual(
      seqScans.map((n) => n['Relation Name']),
      [],
      `no sequential scans; plan: ${describePlan(plan)}`,
    )
  }
  const used = new Set(plans.flat().map((n) => n['Index Name']))
  for (const wanted of indexes) {
    const anyOf = [wanted].flat()
    assert.ok(
      anyOf.some((index) => used.has(index)),
      `uses ${anyOf.join(' or ')}; plans: ${plans.map(describePlan).join(' || ')}`,
    )
  }
}

let seriesId = 0
let heavyReader = 0
let popularBook = 0
let ratedBook = 0

before(async () => {
  const db = database.db
  await importSynthetic(database, { count: 100_000, seed: 7 })
  const first = (await sql<{ id: number }>`SELECT min(id)::int AS id FROM books`.execute(db))
    .rows[0]!.id
  popularBook = first
  // 3,000 readers with 12 ratings and 8 library entries each, spread over the catalog; every
  // one of them rated the first book (a best seller: thousands of reviews to page through)
  await sql`INSERT INTO users (display_name)
            SELECT 'Plan reader ' || g FROM generate_series(1, 3000) g`.execute(db)
  await sql`
    INSERT INTO reviews (user_id, book_id, rating, source)
    SELECT u.id, ${first} + CASE WHEN k = 0 THEN 0 ELSE (u.id * 7919 + k * 104729) % 100000 END,
           1 + (u.id + k) % 5, 'goodbooks'
    FROM users u CROSS JOIN generate_series(0, 11) k
    ON CONFLICT DO NOTHING`.execute(db)
  await sql`
    INSERT INTO library_entries (user_id, book_id, shelf, progress, owned)
    SELECT u.id, ${first} + (u.id * 104723 + k * 7907) % 100000,
           (ARRAY['want_to_read', 'reading', 'read', 'did_not_finish'])[1 + k % 4],
           (k * 13) % 101, k % 5 = 0
    FROM users u CROSS JOIN generate_series(1, 8) k
    ON CONFLICT DO NOTHING`.execute(db)
  // and one reader with a library of 2,000 books
  const heavy = await sql<{ id: number }>`
    INSERT INTO users (display_name) VALUES ('Heavy reader') RETURNING id`.execute(db)
  heavyReader = heavy.rows[0]!.id
  await sql`
    INSERT INTO library_entries (user_id, book_id, shelf, progress)
    SELECT ${heavyReader}, ${first} + g * 37, 'read', 100 FROM generate_series(0, 1999) g`.execute(
    db,
  )
  // 8 orders of one book each per reader, and 500 for the heavy reader (orders start pending)
  await sql`
    INSERT INTO orders (user_id, total_cents, currency, provider, cart_key)
    SELECT u.id, 999, 'USD', 'local', 'cart-' || k
    FROM users u CROSS JOIN generate_series(1, CASE WHEN u.id = ${heavyReader} THEN 500 ELSE 8 END) k`.execute(
    db,
  )
  await sql`
    INSERT INTO order_items (order_id, position, book_id, title, price_cents, currency)
    SELECT o.id, 1, ${first} + (o.id * 7919) % 100000, 'A book', 999, 'USD' FROM orders o`.execute(
    db,
  )
  await runMaintenanceJob(db, 'recommendations')
  await runMaintenanceJob(db, 'statistics')
  await sql`ANALYZE`.execute(db)
  const series = await sql<{ series_id: number }>`
    SELECT series_id FROM book_series GROUP BY series_id ORDER BY count(*) DESC LIMIT 1`.execute(db)
  seriesId = series.rows[0]!.series_id
  const rated = await sql<{ book_id: number }>`
    SELECT book_id FROM book_neighbours ORDER BY book_id LIMIT 1`.execute(db)
  ratedBook = rated.rows[0]!.book_id
})

describe('hot-path plans on a 100k-book catalog with readers', () => {
  test('the catalog has 100k books and the model is built', async () => {
    const row = await sql<{ books: number; neighbours: number; reviews: number }>`
      SELECT (SELECT count(*) FROM books)::int AS books,
             (SELECT count(*) FROM book_neighbours)::int AS neighbours,
             (SELECT count(*) FROM reviews)::int AS reviews`.execute(database.db)
    assert.equal(row.rows[0]!.books, 100_000)
    assert.ok(row.rows[0]!.neighbours > 10_000)
    assert.ok(row.rows[0]!.reviews > 30_000)
  })

  test('a series in reading order, and its total, are served by the series index', async () => {
    const queries = await capture(async (db) => {
      const books = new BooksRepository(db)
      await books.findPage({ seriesId }, 'popular', 20)
      await books.count({ seriesId })
    })
    await assertIndexed(queries, 'book_series_series_idx')
  })

  test('the audit: a rare language and an ISBN-10 lookup are what keep their indexes', async () => {
    const rare = await sql<{ language: string }>`
      SELECT language FROM books WHERE language IS NOT NULL
      GROUP BY language ORDER BY count(*), language LIMIT 1`.execute(database.db)
    const queries = await capture(async (db) => {
      const books = new BooksRepository(db)
      // the page walks the popularity index and filters; the total counts through this one
      await books.findPage({ language: rare.rows[0]!.language }, 'popular', 20)
      await books.count({ language: rare.rows[0]!.language })
      await books.findByIsbn10('0439023483')
    })
    await assertIndexed(queries, 'books_language_idx', 'books_isbn10_idx')
  })

  test("a best seller's reviews, in each order, walk that order's index", async () => {
    // newest first may also walk the primary key backwards: ids are insertion order, and for a
    // book with this share of all reviews that finds 20 of them sooner
    const expected = {
      newest: ['reviews_book_newest_idx', 'reviews_pkey'],
      highest: 'reviews_book_rating_idx',
      lowest: 'reviews_book_rating_idx',
      helpful: 'reviews_book_helpful_idx',
    } as const
    for (const [sort, index] of Object.entries(expected)) {
      const queries = await capture((db) =>
        new ReviewsRepository(db).findPageByBook(popularBook, sort as 'newest', {
          limit: 20,
          withText: false,
        }),
      )
      await assertIndexed(queries, index)
    }
    const counts = await capture((db) => new ReviewsRepository(db).countByBook(popularBook, false))
    await assertIndexed(counts)
  })

  test("a reader's library, in each order, and its total, walk the reader's indexes", async () => {
    const expected = {
      updated: 'library_entries_updated_idx',
      progress: 'library_entries_progress_idx',
      started: 'library_entries_started_idx',
      finished: 'library_entries_finished_idx',
      // sorted after the join: a library is bounded, the reader's rows come by primary key
      title: 'library_entries_pkey',
    } as const
    for (const [sort, index] of Object.entries(expected)) {
      const queries = await capture(async (db) => {
        const library = new LibraryRepository(db)
        await library.findPage(heavyReader, {}, sort as keyof typeof expected, 20)
        await library.count(heavyReader, { shelf: 'read' })
      })
      await assertIndexed(queries, index)
    }
  })

  test("a reader's orders, newest first, and their total, walk the reader's order index", async () => {
    const queries = await capture(async (db) => {
      const orders = new OrdersRepository(db)
      await orders.findPage({ userId: heavyReader }, 20)
      await orders.findPage({ userId: heavyReader }, 20, 1_000_000)
      await orders.count({ userId: heavyReader })
    })
    await assertIndexed(queries, 'orders_user_idx')
  })

  test('similar books read the neighbours by primary key', async () => {
    const queries = await capture(async (db) => {
      const picks = await new RecommendationsRepository(db).similarTo(ratedBook, 10)
      assert.ok(picks.length > 0)
    })
    // similar_books() is a SQL function: its plan is its body's, inlined
    await assertIndexed(queries, 'book_neighbours_pkey')
  })

  test("a reader's recommendations start from their own rows and the neighbours' key", async () => {
    const reader = await sql<{ user_id: number }>`
      SELECT user_id FROM reviews WHERE book_id = ${ratedBook} ORDER BY user_id LIMIT 1`.execute(
      database.db,
    )
    const queries = await capture(async (db) => {
      const picks = await new RecommendationsRepository(db).forReader(reader.rows[0]!.user_id, 10)
      assert.equal(picks.length, 10)
    })
    // the reader's library rows through any index that starts with user_id
    const byReader = [
      'library_entries_pkey',
      'library_entries_updated_idx',
      'library_entries_progress_idx',
      'library_entries_started_idx',
      'library_entries_finished_idx',
    ]
    await assertIndexed(queries, 'book_neighbours_pkey', 'reviews_user_book_key', byReader)
  })

  test('a reader with no history falls back to the popularity index', async () => {
    const queries = await capture(async (db) => {
      const fresh = await sql<{ id: number }>`
        INSERT INTO users (display_name) VALUES ('Nobody yet') RETURNING id`.execute(db)
      await new RecommendationsRepository(db).forReader(fresh.rows[0]!.id, 10)
    })
    await assertIndexed(queries.slice(1), 'book_stats_popularity_idx')
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type Compilable, sql } from 'kysely'
import { importSynthetic } from '../../../src/import/synthetic.ts'
import { BooksRepository } from '../../../src/modules/catalog/books.repository.ts'
import { createTestDatabase } from '../../helpers/database.ts'
import { explainPlan, type PlanNode } from '../../helpers/plans.ts'

/**
 * The catalog's hot queries use indexes on a 100k-book catalog: the plans of exactly the SQL the
 * API runs (built by the repository, not retyped here) contain no sequential scan of a catalog
 * table. A missing or unusable index fails this test long before it shows up as latency.
 */

const database = await createTestDatabase({ after }, {})
const repository = new BooksRepository(database.db)
// tables that grow with the catalog; `genres` is a reference list of ~25 rows, read whole
const GROWING_TABLES = ['books', 'book_genres', 'book_authors', 'book_series', 'authors', 'series']

const explain = (query: Compilable) => explainPlan(database.db, query.compile())

/** No sequential scan of a growing table, and at least one of `indexes` in the plan. */
function assertIndexed(plan: PlanNode[], ...indexes: string[]) {
  const seqScans = plan.filter(
    (n) => n['Node Type'] === 'Seq Scan' && GROWING_TABLES.includes(n['Relation Name'] ?? ''),
  )
  assert.deepEqual(
    seqScans.map((n) => n['Relation Name']),
    [],
    `no sequential scans; plan: ${plan.map((n) => `${n['Node Type']} ${n['Relation Name'] ?? ''} ${n['Index Name'] ?? ''}`).join(' | ')}`,
  )
  assert.ok(
    plan.some((n) => indexes.includes(n['Index Name'] ?? '')),
    `uses ${indexes.join(' or ')}; plan: ${plan.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`).join(' | ')}`,
  )
}

let genreId = 0
let authorId = 0
let typicalAuthorId = 0

before(async () => {
  await importSynthetic(database, { count: 100_000, seed: 42 })
  await sql`ANALYZE`.execute(database.db)
  const genre = await database.db
    .selectFrom('book_genres')
    .select('genre_id')
    .groupBy('genre_id')
    .orderBy(sql`count(*)`, 'desc')
    .limit(1)
    .executeTakeFirstOrThrow()
  genreId = genre.genre_id
  const author = await database.db
    .selectFrom('book_authors')
    .select('author_id')
    .groupBy('author_id')
    .orderBy(sql`count(*)`, 'desc')
    .limit(1)
    .executeTakeFirstOrThrow()
  authorId = author.author_id
  // an author with a handful of books, as most are
  const typical = await database.db
    .selectFrom('book_authors')
    .select('author_id')
    .groupBy('author_id')
    .having(sql`count(*)`, '<=', 5)
    .limit(1)
    .executeTakeFirstOrThrow()
  typicalAuthorId = typical.author_id
})

describe('query plans on a 100k-book catalog', () => {
  test('the catalog really has 100k books', async () => {
    const row = await database.db
      .selectFrom('books')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow()
    assert.equal(row.n, 100_000)
  })

  test('book by id reads the primary key', async () => {
    assertIndexed(await explain(repository.byIdQuery(50_000)), 'books_pkey')
  })

  test('list by genre (the largest genre), most popular first, is served by indexes', async () => {
    // a third of the catalog is in this genre: walking the popularity index and probing the
    // link's primary key finds 20 in a few dozen steps; a small genre starts from its index
    assertIndexed(
      await explain(repository.pageQuery({ genreId }, 'popular', 20)),
      'book_genres_genre_idx',
      'book_genres_pkey',
    )
  })

  test('list by genre sorted by title, on a later page, stays indexed', async () => {
    const query = repository.pageQuery({ genreId }, 'title', 20, { value: 'm', id: 1 })
    const plan = await explain(query)
    assert.ok(!plan.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'books'))
  })

  test('list by author, prolific or not, is served by indexes', async () => {
    assertIndexed(
      await explain(repository.pageQuery({ authorId }, 'rating', 20)),
      'book_authors_author_idx',
      'book_authors_book_id_position_key',
    )
    assertIndexed(
      await explain(repository.pageQuery({ authorId: typicalAuthorId }, 'rating', 20)),
      'book_authors_author_idx',
    )
  })

  test('the totals for genre and author lists count through the link indexes', async () => {
    assertIndexed(await explain(repository.countQuery({ genreId })), 'book_genres_genre_idx')
    assertIndexed(await explain(repository.countQuery({ authorId })), 'book_authors_author_idx')
  })

  test('the unfiltered popular list walks its sort index instead of sorting the table', async () => {
    assertIndexed(
      await explain(repository.pageQuery({}, 'popular', 20, { value: 1000, id: 99_999 })),
      'books_popular_idx',
    )
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type RawBuilder, sql } from 'kysely'
import { importSynthetic } from '../../../src/import/synthetic.ts'
import {
  type SearchMatch,
  SearchRepository,
} from '../../../src/modules/search/search.repository.ts'
import { createTestDatabase } from '../../helpers/database.ts'
import { describePlan, explainPlan, type PlanNode } from '../../helpers/plans.ts'

/**
 * Search and suggest use their indexes (GIN full-text, trigram, prefix) on a 100k-book catalog:
 * the plans of exactly the SQL the API runs contain no sequential scan of a table that grows
 * with the catalog. A query that stops using its index fails here, not as latency in production.
 */

const database = await createTestDatabase({ after }, {})
const repository = new SearchRepository(database.db)
const GROWING_TABLES = [
  'books',
  'book_search',
  'book_genres',
  'book_authors',
  'book_series',
  'authors',
  'series',
]

const explain = (query: RawBuilder<unknown>) => explainPlan(database.db, query.compile(database.db))

/** No sequential scan of a growing table, and every one of `indexes` in the plan. */
function assertIndexed(plan: PlanNode[], ...indexes: string[]) {
  const seqScans = plan.filter(
    (n) => n['Node Type'] === 'Seq Scan' && GROWING_TABLES.includes(n['Relation Name'] ?? ''),
  )
  assert.deepEqual(
    seqScans.map((n) => n['Relation Name']),
    [],
    `no sequential scans; plan: ${describePlan(plan)}`,
  )
  for (const index of indexes) {
    assert.ok(
      plan.some((n) => n['Index Name'] === index),
      `uses ${index}; plan: ${describePlan(plan)}`,
    )
  }
}

/** a title word found in about 0.2 % of the books, as a reader's word usually is */
let word = ''
/** a word of an author's name */
let authorWord = ''
let isbn13 = ''
const match = (text: string): SearchMatch => ({ text, hasTerms: true })

before(async () => {
  await importSynthetic(database, { count: 100_000, seed: 7 })
  // statistics from every row, not ANALYZE's random sample of 30,000: the plans asserted below
  // must not depend on which rows a sample happened to pick (a suggest plan once flipped)
  await database.db.connection().execute(async (conn) => {
    await sql`SET default_statistics_target = 1000`.execute(conn)
    await sql`ANALYZE`.execute(conn)
    await sql`RESET default_statistics_target`.execute(conn)
  })
  const stat = await sql<{ word: string }>`
    SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', title_key) FROM book_search')
    WHERE length(word) > 4 ORDER BY abs(ndoc - 200), word LIMIT 1`.execute(database.db)
  word = stat.rows[0]!.word
  const author = await sql<{ name: string }>`
    SELECT split_part(name, ' ', 2) AS name FROM authors
    WHERE length(split_part(name, ' ', 2)) > 4 ORDER BY id LIMIT 1`.execute(database.db)
  authorWord = author.rows[0]!.name
  const book = await sql<{ isbn13: string }>`
    SELECT isbn13 FROM books WHERE isbn13 IS NOT NULL ORDER BY id LIMIT 1`.execute(database.db)
  isbn13 = book.rows[0]!.isbn13
})

describe('search and suggest plans on a 100k-book catalog', () => {
  test('every book has its search document', async () => {
    const row = await sql<{ books: number; documents: number }>`
      SELECT (SELECT count(*) FROM books)::int AS books,
             (SELECT count(*) FROM book_search)::int AS documents`.execute(database.db)
    assert.deepEqual(row.rows[0], { books: 100_000, documents: 100_000 })
  })

  test('a search page, in each order, starts from the full-text index', async () => {
    for (const sort of ['relevance', 'popular', 'rating', 'newest'] as const) {
      assertIndexed(
        await explain(repository.pageQuery(match(word), {}, sort, 20, undefined, null)),
        'book_search_document_idx',
      )
    }
    // with explain's field matching and a later page
    assertIndexed(
      await explain(
        repository.pageQuery(
          match(`${word} ${authorWord}`),
          {},
          'relevance',
          20,
          {
            value: 0.5,
            id: 50_000,
          },
          [word],
        ),
      ),
      'book_search_document_idx',
    )
  })

  test('facets and the total count the matches found through the index', async () => {
    assertIndexed(
      await explain(repository.facetsQuery(match(word), {})),
      'book_search_document_idx',
    )
    assertIndexed(
      await explain(repository.facetsQuery(match(word), { language: 'eng', yearFrom: 1990 })),
      'book_search_document_idx',
    )
  })

  test('an ISBN is found by its index, beside the full-text match', async () => {
    assertIndexed(
      await explain(
        repository.pageQuery(
          { text: isbn13, hasTerms: true, isbn13, isbn10: null },
          {},
          'relevance',
          20,
          undefined,
          null,
        ),
      ),
      'book_search_document_idx',
      'books_isbn13_key',
    )
  })

  test('the typo fallback (didYouMean) uses the trigram indexes', async () => {
    const typo = `${word.slice(0, 2)}${word.slice(3)}`
    assertIndexed(
      await explain(repository.didYouMeanQuery(typo)),
      'book_search_title_trgm_idx',
      'authors_name_trgm_idx',
      'series_name_trgm_idx',
    )
  })

  test('suggestions: trigram indexes from three letters, prefix indexes below', async () => {
    const typed = word.slice(0, 4)
    assertIndexed(
      await explain(repository.suggestBooksQuery(typed, 5)),
      'book_search_title_trgm_idx',
    )
    assertIndexed(
      await explain(
        repository.suggestNamesQuery('authors', authorWord.slice(0, 4).toLowerCase(), 5),
      ),
      'authors_name_trgm_idx',
    )
    assertIndexed(
      await explain(repository.suggestNamesQuery('series', typed, 5)),
      'series_name_trgm_idx',
    )
    const two = word.slice(0, 2)
    assertIndexed(
      await explain(repository.suggestBooksQuery(two, 5)),
      'book_search_title_prefix_idx',
    )
    assertIndexed(
      await explain(repository.suggestNamesQuery('authors', two, 5)),
      'authors_name_prefix_idx',
    )
  })
})

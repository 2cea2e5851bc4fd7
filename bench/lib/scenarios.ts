import type { Database } from '../../src/db/database.ts'
import type { RequestRecorder } from './capture.ts'
import { query } from './catalog.ts'

/** The read paths measured, each a list of real URLs that the load generator cycles through. */

export interface Scenario {
  name: string
  title: string
  paths: string[]
}

export const SCENARIO_NAMES = ['book', 'genre', 'author', 'isbn', 'walk', 'search'] as const
export type ScenarioName = (typeof SCENARIO_NAMES)[number]

const SPREAD = 500
const AUTHORS = 20
const WALK_PAGES = 50
const SEARCHES = 200

export async function chooseScenarios(
  database: Database,
  recorder: RequestRecorder,
  wanted: readonly ScenarioName[],
): Promise<Scenario[]> {
  const scenarios: Scenario[] = []
  for (const name of wanted) scenarios.push(await build[name](database, recorder))
  for (const scenario of scenarios) {
    if (scenario.paths.length === 0) throw new Error(`scenario ${scenario.name} found no URLs`)
    for (const path of scenario.paths) {
      const answer = await recorder.get(path)
      if (answer.status !== 200) {
        throw new Error(`${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`)
      }
    }
  }
  return scenarios
}

const build: Record<
  ScenarioName,
  (database: Database, recorder: RequestRecorder) => Promise<Scenario>
> = {
  // md5 of the id is a fixed pseudo-random order: the same spread on every run and engine
  async book(database) {
    const rows = await query(database, 'SELECT id FROM books ORDER BY md5(id::text) LIMIT $1', [
      SPREAD,
    ])
    return {
      name: 'book',
      title: `GET /api/books/:id (${rows.length} ids)`,
      paths: rows.map((r) => `/api/books/${r.id}`),
    }
  },

  async genre(database) {
    const [row] = await query(
      database,
      `SELECT g.slug FROM genres g
       ORDER BY (g.slug = 'fantasy') DESC,
                (SELECT count(*) FROM book_genres bg WHERE bg.genre_id = g.id) DESC
       LIMIT 1`,
    )
    const path = `/api/books?genre=${row?.slug ?? 'fantasy'}`
    return { name: 'genre', title: `GET ${path}`, paths: [path] }
  },

  async author(database) {
    const rows = await query(
      database,
      `SELECT author_id FROM book_authors GROUP BY author_id
       ORDER BY count(*) DESC, author_id LIMIT $1`,
      [AUTHORS],
    )
    return {
      name: 'author',
      title: `GET /api/books?author=<id>&sort=rating (${rows.length} prolific authors)`,
      paths: rows.map((r) => `/api/books?author=${r.author_id}&sort=rating`),
    }
  },

  async isbn(database) {
    const rows = await query(
      database,
      'SELECT isbn13 FROM books WHERE isbn13 IS NOT NULL ORDER BY md5(id::text) LIMIT $1',
      [SPREAD],
    )
    return {
      name: 'isbn',
      title: `GET /api/books/isbn/:isbn13 (${rows.length} ISBNs)`,
      paths: rows.map((r) => `/api/books/isbn/${r.isbn13}`),
    }
  },

  // what readers type: the first two words of popular titles (both the english and the simple
  // configuration, relevance with popularity, facets and highlights on every answer)
  async search(database) {
    const rows = await query(
      database,
      `SELECT title FROM books ORDER BY ratings_count DESC, id LIMIT $1`,
      [SEARCHES],
    )
    const queries = [
      ...new Set(
        rows.map((r) =>
          String(r.title)
            .replace(/[^\p{L}\p{N} ]+/gu, ' ')
            .trim()
            .split(/\s+/)
            .slice(0, 2)
            .join(' '),
        ),
      ),
    ].filter((q) => q.length > 0)
    return {
      name: 'search',
      title: `GET /api/search?q=… (${queries.length} queries from popular titles)`,
      paths: queries.map((q) => `/api/search?q=${encodeURIComponent(q)}`),
    }
  },

  // the cursor chain is followed once here; under load the connections request it page by page
  async walk(_database, recorder) {
    const paths: string[] = []
    let path: string | null = '/api/books?limit=20'
    for (let page = 0; page < WALK_PAGES && path !== null; page++) {
      paths.push(path)
      const answer = await recorder.get(path)
      if (answer.status !== 200) break
      const cursor = (JSON.parse(answer.body) as { nextCursor: string | null }).nextCursor
      path = cursor ? `/api/books?limit=20&cursor=${encodeURIComponent(cursor)}` : null
    }
    return {
      name: 'walk',
      title: `GET /api/books?limit=20&cursor=… (walk of ${paths.length} pages)`,
      paths,
    }
  },
}

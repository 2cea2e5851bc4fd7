import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from '../../db/types.ts'
import type { toBookSummary } from '../catalog/catalog.mappers.ts'
import type { SearchSort } from './search.schemas.ts'

/**
 * SQL for search: full-text matching over book_search (db/migrations/0007_search.sql), facets,
 * trigram fallbacks and suggestions. Queries are built by functions that return them unexecuted,
 * so the plan test EXPLAINs exactly what the API runs.
 */

export interface SearchFilters {
  genreId?: number
  authorId?: number
  language?: string
  yearFrom?: number
  yearTo?: number
  minRating?: number
}

/** What to match: the reader's words (websearch syntax) and, when they are an ISBN, its forms. */
export interface SearchMatch {
  text: string
  /** false when the words make an empty tsquery (only punctuation or operators) */
  hasTerms: boolean
  isbn13?: string
  isbn10?: string | null
}

export interface PagePosition {
  value: number
  id: number
}

/**
 * Relevance: text rank (title weighs most, then series and authors, then subtitle and
 * description, then genres) plus a bonus for a title equal to the query, multiplied by
 * popularity (log of the rating count) and by the Bayesian rating, so a famous match ranks
 * above an obscure one that mentions the same words. The constants were tuned on the judged
 * queries of test/integration/search/judgments.ts (nDCG@10).
 */
export const RANKING = {
  /** ts_rank weights for D (genres), C (subtitle, description), B (series, authors), A (title) */
  weights: '{0.05, 0.2, 0.4, 1.0}',
  exactTitleBonus: 3,
  isbnBonus: 100,
  /**
   * popularity = (floor + ln(1 + ratings) / ln(1 + reference count)) ^ exponent; the floor keeps
   * books nobody has rated yet rankable among themselves
   */
  popularityFloor: 0.05,
  popularityReference: 5_000_000,
  popularityExponent: 5,
  /** rating factor = bayesian rating / prior mean, raised to this power */
  ratingExponent: 1,
  ratingPrior: 4.03,
} as const

const query = (m: SearchMatch) => sql`search_query(${m.text})`

function matchCondition(m: SearchMatch): RawBuilder<boolean> {
  const fts = m.hasTerms ? sql`s.document @@ ${query(m)}` : sql`false`
  if (!m.isbn13) return sql<boolean>`${fts}`
  return sql<boolean>`(${fts} OR s.book_id = ANY(ARRAY(
    SELECT id FROM books WHERE isbn13 = ${m.isbn13} OR isbn10 = ${m.isbn10 ?? null})))`
}

function filterConditions(f: SearchFilters): RawBuilder<boolean>[] {
  const out: RawBuilder<boolean>[] = []
  if (f.genreId !== undefined) {
    out.push(sql`b.id IN (SELECT book_id FROM book_genres WHERE genre_id = ${f.genreId})`)
  }
  if (f.authorId !== undefined) {
    out.push(sql`b.id IN (SELECT book_id FROM book_authors WHERE author_id = ${f.authorId})`)
  }
  if (f.language !== undefined) out.push(sql`b.language = ${f.language}`)
  if (f.yearFrom !== undefined) out.push(sql`b.original_publication_year >= ${f.yearFrom}`)
  if (f.yearTo !== undefined) out.push(sql`b.original_publication_year <= ${f.yearTo}`)
  if (f.minRating !== undefined) out.push(sql`b.average_rating >= ${f.minRating}`)
  return out
}

function where(m: SearchMatch, f: SearchFilters) {
  return sql.join([matchCondition(m), ...filterConditions(f)], sql` AND `)
}

const textRank = (m: SearchMatch) =>
  m.hasTerms
    ? sql<number>`ts_rank(${sql.lit(RANKING.weights)}::float4[], s.document, ${query(m)})::float8`
    : sql<number>`0::float8`

const exactTitle = (m: SearchMatch) => sql<boolean>`(s.title_key = search_fold(${m.text}))`
const isbnMatch = (m: SearchMatch) =>
  m.isbn13
    ? sql<boolean>`(b.isbn13 = ${m.isbn13} OR b.isbn10 = ${m.isbn10 ?? null})`
    : sql<boolean>`false`
const popularity = sql<number>`power(${sql.lit(RANKING.popularityFloor)}
  + ln(1 + b.ratings_count::float8) / ln(${sql.lit(1 + RANKING.popularityReference)}::float8),
  ${sql.lit(RANKING.popularityExponent)})`
const ratingFactor = sql<number>`power(coalesce(b.bayesian_rating, ${sql.lit(RANKING.ratingPrior)})::float8
  / ${sql.lit(RANKING.ratingPrior)}, ${sql.lit(RANKING.ratingExponent)})`

function score(m: SearchMatch) {
  return sql<number>`((${textRank(m)}
    + CASE WHEN ${exactTitle(m)} THEN ${sql.lit(RANKING.exactTitleBonus)} ELSE 0 END)
    * ${popularity} * ${ratingFactor}
    + CASE WHEN ${isbnMatch(m)} THEN ${sql.lit(RANKING.isbnBonus)} ELSE 0 END)`
}

const SORT_KEYS: Record<Exclude<SearchSort, 'relevance'>, RawBuilder<number>> = {
  popular: sql`b.ratings_count::float8`,
  rating: sql`coalesce(b.average_rating, 0)::float8`,
  newest: sql`coalesce(b.original_publication_year, -32768)::float8`,
}

export interface SearchPageRow {
  id: number
  sort_value: number
  score: number
  title: string
  subtitle: string | null
  language: string | null
  original_publication_year: number | null
  isbn13: string | null
  cover_url: string | null
  average_rating: Parameters<typeof toBookSummary>[0]['average_rating']
  ratings_count: number
  price_cents: number
  currency: string
  authors: { id: number; name: string; slug: string }[]
  h_title: string
  h_authors: string
  h_series: string | null
  h_description: string | null
  text_rank: number
  exact_title: boolean
  isbn_match: boolean
  popularity: number
  rating_factor: number
  bayesian_rating: string | number | null
  title_terms: string[]
  subtitle_terms: string[]
  authors_terms: string[]
  series_terms: string[]
  genres_terms: string[]
}

/**
 * The matches (found through the full-text index) with their book rows, each fetched by primary
 * key: OFFSET 0 keeps the planner from turning this into a hash join over the whole books table,
 * which it may pick on a loose estimate of how many books a word matches (PGlite did, on 100k).
 */
const MATCHED_BOOKS = sql`book_search s
  CROSS JOIN LATERAL (SELECT * FROM books WHERE books.id = s.book_id OFFSET 0) b`

const HIGHLIGHT_ALL = sql.lit('HighlightAll=true')
const SNIPPET = sql.lit('MaxWords=35, MinWords=15, MaxFragments=2')

/** Lexemes of the document's `weights` part (or of `text`) that the query also has. */
const termsIn = (vector: RawBuilder<unknown>, terms: string[] | null) =>
  terms === null
    ? sql<string[]>`'{}'::text[]`
    : sql<string[]>`ARRAY(SELECT unnest(tsvector_to_array(${vector}))
    INTERSECT SELECT unnest(${terms}::text[]))`

export class SearchRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findGenreIdBySlug(slug: string): Promise<number | undefined> {
    const genre = await this.db
      .selectFrom('genres')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirst()
    return genre?.id
  }

  async fold(text: string): Promise<string> {
    const result = await sql<{ folded: string }>`SELECT search_fold(${text}) AS folded`.execute(
      this.db,
    )
    return result.rows[0]!.folded.trim()
  }

  /** Folded text, whether it has searchable terms, and its lexemes (for explain). */
  async analyze(text: string) {
    const result = await sql<{
      nodes: number
      folded: string
      simple_terms: string[]
      terms: string[]
    }>`
      SELECT numnode(search_query(${text})) AS nodes, btrim(search_fold(${text})) AS folded,
        tsvector_to_array(to_tsvector('simple', search_fold(${text}))) AS simple_terms,
        tsvector_to_array(to_tsvector('simple', search_fold(${text}))
          || to_tsvector('english', search_fold(${text}))) AS terms`.execute(this.db)
    return result.rows[0]!
  }

  /**
   * One page (limit + 1 rows, to know if more exist) after `after`, in `sort` order, with
   * highlights and, for explain, what each field matched.
   */
  pageQuery(
    m: SearchMatch,
    f: SearchFilters,
    sort: SearchSort,
    limit: number,
    after: PagePosition | undefined,
    /** the query's lexemes, to say which fields matched (explain); null skips that work */
    terms: string[] | null,
  ) {
    const key = sort === 'relevance' ? score(m) : SORT_KEYS[sort]
    const cursor = after
      ? sql`WHERE (r.sort_value, r.id) < (${after.value}::float8, ${after.id})`
      : sql``
    const q = m.hasTerms ? query(m) : sql`''::tsquery`
    return sql<SearchPageRow>`
      WITH page AS (
        SELECT * FROM (
          SELECT b.id, ${key} AS sort_value, ${score(m)} AS score
          FROM ${MATCHED_BOOKS}
          WHERE ${where(m, f)}
        ) r
        ${cursor}
        ORDER BY r.sort_value DESC, r.id DESC
        LIMIT ${limit + 1}
      )
      SELECT page.id, page.sort_value, page.score, b.title, b.subtitle, b.language,
        b.original_publication_year, b.isbn13, b.cover_url, b.average_rating, b.ratings_count,
        b.price_cents, b.currency, b.bayesian_rating,
        (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'slug', a.slug)
                  ORDER BY ba.position), '[]')
         FROM book_authors ba JOIN authors a ON a.id = ba.author_id WHERE ba.book_id = b.id) AS authors,
        search_headline(b.title, ${q}, ${HIGHLIGHT_ALL}) AS h_title,
        search_headline(s.authors_text, ${q}, ${HIGHLIGHT_ALL}) AS h_authors,
        CASE WHEN s.series_text <> '' THEN search_headline(s.series_text, ${q}, ${HIGHLIGHT_ALL}) END AS h_series,
        CASE WHEN b.description IS NOT NULL THEN search_headline(b.description, ${q}, ${SNIPPET}) END AS h_description,
        ${textRank(m)} AS text_rank, ${exactTitle(m)} AS exact_title, ${isbnMatch(m)} AS isbn_match,
        ${popularity} AS popularity, ${ratingFactor} AS rating_factor,
        ${termsIn(sql`ts_filter(s.document, '{a}')`, terms)} AS title_terms,
        ${termsIn(sql`ts_filter(s.document, '{c}')`, terms)} AS subtitle_terms,
        ${termsIn(sql`search_vector(s.authors_text, 'B')`, terms)} AS authors_terms,
        ${termsIn(sql`search_vector(s.series_text, 'B')`, terms)} AS series_terms,
        ${termsIn(sql`ts_filter(s.document, '{d}')`, terms)} AS genres_terms
      FROM page JOIN books b ON b.id = page.id JOIN book_search s ON s.book_id = page.id
      ORDER BY page.sort_value DESC, page.id DESC`
  }

  /** The total and the genre, language and decade counts of everything that matches. */
  facetsQuery(m: SearchMatch, f: SearchFilters) {
    return sql<{ kind: string; key: string | null; label: string | null; n: number }>`
      WITH m AS MATERIALIZED (
        SELECT b.id, b.language, b.original_publication_year AS year
        FROM ${MATCHED_BOOKS}
        WHERE ${where(m, f)}
      )
      SELECT 'total' AS kind, NULL AS key, NULL AS label, count(*)::int AS n FROM m
      UNION ALL
      SELECT 'language', m.language, NULL, count(*)::int FROM m
      WHERE m.language IS NOT NULL GROUP BY m.language
      UNION ALL
      SELECT 'decade', (floor(m.year / 10.0) * 10)::int::text, NULL, count(*)::int FROM m
      WHERE m.year IS NOT NULL GROUP BY 2
      UNION ALL
      SELECT 'genre', g.slug, g.name, count(*)::int
      FROM m CROSS JOIN LATERAL (
        SELECT genre_id FROM book_genres WHERE book_genres.book_id = m.id OFFSET 0
      ) bg JOIN genres g ON g.id = bg.genre_id
      GROUP BY g.slug, g.name`
  }

  /**
   * The title, author or series closest to `text` by trigram similarity (typos), most popular
   * first among equals; null when nothing is close.
   */
  didYouMeanQuery(folded: string) {
    const close = (key: RawBuilder<unknown>) =>
      sql<boolean>`(${key} % ${folded} OR ${folded} <% ${key})`
    const sim = (key: RawBuilder<unknown>) =>
      sql<number>`(similarity(${key}, ${folded}) + word_similarity(${folded}, ${key}))::float8`
    const author = sql`search_fold(a.name)`
    const series = sql`search_fold(sr.name)`
    return sql<{ label: string; sim: number }>`
      SELECT label, sim FROM (
        SELECT b.title AS label, ${sim(sql`s.title_key`)} AS sim, b.ratings_count::float8 AS pop
        FROM ${MATCHED_BOOKS}
        WHERE ${close(sql`s.title_key`)}
        UNION ALL
        SELECT a.name, ${sim(author)},
          (SELECT coalesce(sum(b.ratings_count), 0) FROM book_authors ba
           JOIN books b ON b.id = ba.book_id WHERE ba.author_id = a.id)::float8
        FROM authors a WHERE ${close(author)}
        UNION ALL
        SELECT sr.name, ${sim(series)},
          (SELECT coalesce(sum(b.ratings_count), 0) FROM book_series bs
           JOIN books b ON b.id = bs.book_id WHERE bs.series_id = sr.id)::float8
        FROM series sr WHERE ${close(series)}
      ) c
      ORDER BY sim DESC, pop DESC
      LIMIT 1`
  }

  async didYouMean(folded: string) {
    const result = await this.didYouMeanQuery(folded).execute(this.db)
    return result.rows[0]
  }

  async page(...args: Parameters<SearchRepository['pageQuery']>) {
    return (await this.pageQuery(...args).execute(this.db)).rows
  }

  async facets(m: SearchMatch, f: SearchFilters) {
    return (await this.facetsQuery(m, f).execute(this.db)).rows
  }

  // --- suggestions --------------------------------------------------------------------------

  /**
   * As-you-type: under three characters, names starting with the text (a btree prefix range);
   * from three on, names containing it or close to one of their words (trigram index), which
   * forgives typos. Names whose word starts with the text come first, then closeness and
   * popularity.
   */
  suggestBooksQuery(folded: string, limit: number) {
    const { cond, rank } = suggestMatch(sql`s.title_key`, folded)
    return sql<{
      id: number
      title: string
      ratings_count: number
      authors: { id: number; name: string; slug: string }[]
    }>`
      SELECT b.id, b.title, b.ratings_count,
        (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'slug', a.slug)
                  ORDER BY ba.position), '[]')
         FROM book_authors ba JOIN authors a ON a.id = ba.author_id WHERE ba.book_id = b.id) AS authors
      FROM ${MATCHED_BOOKS}
      WHERE ${cond}
      ORDER BY ${rank} + 0.03 * ln(1 + b.ratings_count::float8) DESC, b.id
      LIMIT ${limit}`
  }

  suggestNamesQuery(kind: 'authors' | 'series', folded: string, limit: number) {
    const name = sql`search_fold(n.name)`
    const { cond, rank } = suggestMatch(name, folded)
    const link = kind === 'authors' ? sql`book_authors` : sql`book_series`
    const linkColumn = kind === 'authors' ? sql`author_id` : sql`series_id`
    // candidates by closeness first (index), then their popularity for the final order
    return sql<{ id: number; name: string; slug: string; book_count: number }>`
      WITH c AS (
        SELECT n.id, n.name, n.slug, ${rank} AS rank
        FROM ${sql.table(kind)} n
        WHERE ${cond}
        ORDER BY rank DESC, n.id
        LIMIT 50
      )
      SELECT c.id, c.name, c.slug, st.book_count
      FROM c CROSS JOIN LATERAL (
        SELECT count(*)::int AS book_count, coalesce(sum(b.ratings_count), 0)::float8 AS pop
        FROM ${link} l JOIN books b ON b.id = l.book_id WHERE l.${linkColumn} = c.id
      ) st
      WHERE st.book_count > 0
      ORDER BY c.rank + 0.03 * ln(1 + st.pop) DESC, c.id
      LIMIT ${limit}`
  }

  async suggestBooks(folded: string, limit: number) {
    return (await this.suggestBooksQuery(folded, limit).execute(this.db)).rows
  }

  async suggestNames(kind: 'authors' | 'series', folded: string, limit: number) {
    return (await this.suggestNamesQuery(kind, folded, limit).execute(this.db)).rows
  }
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/** `folded` is the typed text through search_fold (SearchRepository.fold). */
function suggestMatch(key: RawBuilder<unknown>, folded: string) {
  const like = escapeLike(folded)
  if ([...folded].length < 3) {
    return { cond: sql<boolean>`${key} LIKE ${`${like}%`}`, rank: sql<number>`0::float8` }
  }
  return {
    cond: sql<boolean>`(${key} LIKE ${`%${like}%`} OR ${folded} <% ${key})`,
    rank: sql<number>`(CASE WHEN ' ' || ${key} LIKE ${`% ${like}%`} THEN 1 ELSE 0 END
      + word_similarity(${folded}, ${key}))::float8`,
  }
}

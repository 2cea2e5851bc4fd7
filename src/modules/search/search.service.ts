import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { assertYearRange, InvalidCursor } from '../../lib/errors.ts'
import { parseIsbn } from '../../lib/isbn.ts'
import { toBookSummary } from '../catalog/catalog.mappers.ts'
import { UnknownGenre } from './search.errors.ts'
import {
  type SearchFilters,
  type SearchMatch,
  type SearchPageRow,
  SearchRepository,
} from './search.repository.ts'
import type {
  Reason,
  SearchFacets,
  SearchHit,
  SearchQuery,
  SearchResponse,
  SuggestQuery,
  SuggestResponse,
} from './search.schemas.ts'

/** Fewer full-text matches than this and a close title, author or series is offered. */
const FEW_MATCHES = 3

const EMPTY_FACETS: SearchFacets = { genres: [], languages: [], decades: [] }

/** Search and suggestions: validated queries in, pages with facets and highlights out. */
export class SearchService {
  private readonly repository: SearchRepository

  constructor(db: Kysely<DB>) {
    this.repository = new SearchRepository(db)
  }

  async search(query: SearchQuery): Promise<SearchResponse> {
    assertYearRange(query)
    // the cursor belongs to one ordering; a relevance cursor is refused by "popular"
    const after = query.cursor ? decodeCursor(query.cursor, query.sort) : undefined
    if (after && typeof after.value !== 'number') throw new InvalidCursor()
    const filters = await this.filters(query)

    const first = await this.run(query.q, filters, query, after)
    if (first.total >= FEW_MATCHES) return { ...first.response, didYouMean: null }

    // Few or no matches: maybe a typo. Offer the closest title, author or series; when the
    // words found nothing at all, answer with what that finds instead.
    const folded = first.folded
    // an ISBN or a number has no spelling to correct
    const correctable = folded.length >= 3 && /\p{L}/u.test(folded)
    const close = correctable ? await this.repository.didYouMean(folded) : undefined
    if (!close || (await this.repository.fold(close.label)) === folded) {
      return { ...first.response, didYouMean: null }
    }
    if (first.total > 0) {
      // nothing to correct when the results already show it ("gatsby" finds The Great Gatsby)
      const shown = first.response.items.some((hit) =>
        [hit.book.title, ...hit.book.authors.map((a) => a.name)].some((name) =>
          plain(name).includes(plain(close.label)),
        ),
      )
      return { ...first.response, didYouMean: shown ? null : close.label }
    }
    // later pages of the corrected results come with the same q and a cursor: correct again
    const corrected = await this.run(close.label, filters, query, after)
    return { ...corrected.response, query: query.q, didYouMean: close.label }
  }

  private async filters(query: SearchQuery): Promise<SearchFilters> {
    const filters: SearchFilters = {
      authorId: query.author,
      language: query.language,
      yearFrom: query.yearFrom,
      yearTo: query.yearTo,
      minRating: query.minRating,
    }
    if (query.genre !== undefined) {
      filters.genreId = await this.repository.findGenreIdBySlug(query.genre)
      if (filters.genreId === undefined) throw new UnknownGenre(query.genre)
    }
    return filters
  }

  private async run(
    text: string,
    filters: SearchFilters,
    query: SearchQuery,
    after: { value: string | number; id: number } | undefined,
  ) {
    const analysis = await this.repository.analyze(text)
    const isbn = parseIsbn(text)
    const match: SearchMatch = {
      text,
      hasTerms: analysis.nodes > 0,
      ...(isbn.ok ? { isbn13: isbn.isbn13, isbn10: isbn.isbn10 } : {}),
    }
    if (!match.hasTerms && !match.isbn13) {
      // only punctuation or operators: nothing to look for
      const response = { query: query.q, items: [], nextCursor: null, total: 0 }
      return { folded: analysis.folded, total: 0, response: { ...response, facets: EMPTY_FACETS } }
    }
    const position = after ? { value: Number(after.value), id: after.id } : undefined
    const [rows, facetRows] = await Promise.all([
      this.repository.page(
        match,
        filters,
        query.sort,
        query.limit,
        position,
        query.explain ? analysis.terms : null,
      ),
      this.repository.facets(match, filters),
    ])
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({ sort: query.sort, value: Number(last.sort_value), id: last.id })
        : null
    const { total, facets } = toFacets(facetRows)
    const simpleTerms = new Set(analysis.simple_terms)
    const items = page.map((row) => toHit(row, query.explain, simpleTerms))
    return {
      folded: analysis.folded,
      total,
      response: { query: query.q, items, nextCursor, total, facets },
    }
  }

  async suggest(query: SuggestQuery): Promise<SuggestResponse> {
    const folded = await this.repository.fold(query.q)
    if (folded === '') return { query: query.q, books: [], authors: [], series: [] }
    const [books, authors, series] = await Promise.all([
      this.repository.suggestBooks(folded, query.limit),
      this.repository.suggestNames('authors', folded, query.limit),
      this.repository.suggestNames('series', folded, query.limit),
    ])
    const named = (r: { id: number; name: string; slug: string; book_count: number }) => ({
      id: r.id,
      name: r.name,
      slug: r.slug,
      bookCount: r.book_count,
    })
    return {
      query: query.q,
      books: books.map((b) => ({
        id: b.id,
        title: b.title,
        authors: b.authors,
        ratingsCount: b.ratings_count,
      })),
      authors: authors.map(named),
      series: series.map(named),
    }
  }
}

function toFacets(rows: { kind: string; key: string | null; label: string | null; n: number }[]) {
  let total = 0
  const facets: SearchFacets = { genres: [], languages: [], decades: [] }
  for (const row of rows) {
    if (row.kind === 'total') total = row.n
    else if (row.kind === 'language') facets.languages.push({ language: row.key!, count: row.n })
    else if (row.kind === 'decade') facets.decades.push({ decade: Number(row.key), count: row.n })
    else facets.genres.push({ slug: row.key!, name: row.label!, count: row.n })
  }
  const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count
  facets.genres.sort((a, b) => byCount(a, b) || a.slug.localeCompare(b.slug))
  facets.languages.sort((a, b) => byCount(a, b) || a.language.localeCompare(b.language))
  facets.decades.sort((a, b) => b.decade - a.decade)
  return { total, facets }
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** ts_headline marks words with chr(2)…chr(3); the text is escaped, then they become <mark>. */
export function toHighlight(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
    .replaceAll('\u0002', '<mark>')
    .replaceAll('\u0003', '</mark>')
}

const FIELDS = [
  ['title', 'title_terms'],
  ['subtitle', 'subtitle_terms'],
  ['authors', 'authors_terms'],
  ['series', 'series_terms'],
  ['genres', 'genres_terms'],
] as const

function toHit(row: SearchPageRow, explain: boolean, simpleTerms: Set<string>): SearchHit {
  const hit: SearchHit = {
    book: toBookSummary(row),
    highlights: {
      title: toHighlight(row.h_title),
      authors: toHighlight(row.h_authors),
      series: row.h_series === null ? null : toHighlight(row.h_series),
      description: row.h_description === null ? null : toHighlight(row.h_description),
    },
  }
  if (!explain) return hit
  const reasons: Reason[] = []
  if (row.isbn_match) reasons.push({ kind: 'isbn', detail: 'the query is this book’s ISBN' })
  for (const [field, column] of FIELDS) {
    const terms = row[column]
    if (terms.length === 0) continue
    // the words as typed where the field has them, else the stems that matched
    const shown = terms.filter((t) => simpleTerms.has(t))
    reasons.push({
      kind: 'match',
      field,
      terms: shown.length > 0 ? shown : terms,
      detail: `matched in the ${field}`,
    })
  }
  if (row.exact_title) reasons.push({ kind: 'exactTitle', detail: 'the title is the query' })
  reasons.push(
    { kind: 'text', value: round(row.text_rank), detail: 'weighted text rank' },
    {
      kind: 'popularity',
      value: round(row.popularity),
      detail: `× popularity from ${row.ratings_count} ratings`,
    },
    {
      kind: 'rating',
      value: round(row.rating_factor),
      detail: `× Bayesian rating ${Number(row.bayesian_rating ?? 0).toFixed(2)}`,
    },
  )
  return { ...hit, score: round(row.score), reasons }
}

/** lower case without accents, for comparing names */
const plain = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()

const round = (n: number) => Math.round(Number(n) * 1e6) / 1e6

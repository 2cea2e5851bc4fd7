import { type Static, Type } from 'typebox'
import { AuthorRef, BookSummary, Pagination } from '../catalog/catalog.schemas.ts'

/** Data shapes of the search API. */

export const SEARCH_SORTS = ['relevance', 'popular', 'rating', 'newest'] as const
export type SearchSort = (typeof SEARCH_SORTS)[number]

const Year = Type.Integer({ minimum: -3000, maximum: 2100 })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

export const SearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'words to find (websearch syntax: "exact phrase", -exclude, OR); an ISBN finds its book',
    }),
    ...Pagination,
    sort: Type.Enum([...SEARCH_SORTS], { default: 'relevance', description: 'ordering' }),
    genre: Type.Optional(
      Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 100, description: 'slug' }),
    ),
    author: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
    language: Type.Optional(
      Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z]{2,4})?$', description: 'e.g. eng, en-US' }),
    ),
    yearFrom: Type.Optional({ ...Year, description: 'original publication year, inclusive' }),
    yearTo: Type.Optional({ ...Year, description: 'original publication year, inclusive' }),
    minRating: Type.Optional(
      Type.Number({ minimum: 0, maximum: 5, description: 'minimum average rating' }),
    ),
    explain: Type.Boolean({
      default: false,
      description: 'add reasons[] and score to each hit: fields matched, boosts',
    }),
  },
  { additionalProperties: false },
)
export type SearchQuery = Static<typeof SearchQuery>

export const Reason = Type.Object({
  kind: Type.Enum(['match', 'exactTitle', 'isbn', 'text', 'popularity', 'rating', 'fuzzy']),
  field: Type.Optional(
    Type.Enum(['title', 'subtitle', 'authors', 'series', 'description', 'genres']),
  ),
  terms: Type.Optional(Type.Array(Type.String())),
  value: Type.Optional(Type.Number()),
  detail: Type.String(),
})
export type Reason = Static<typeof Reason>

export const SearchHit = Type.Object({
  book: BookSummary,
  highlights: Type.Object(
    {
      title: Type.String(),
      authors: Type.String(),
      series: Nullable(Type.String()),
      description: Nullable(Type.String()),
    },
    {
      description:
        'HTML-escaped text with the matched words in <mark></mark>; description is a snippet',
    },
  ),
  score: Type.Optional(Type.Number({ description: 'with explain=true: the relevance score' })),
  reasons: Type.Optional(Type.Array(Reason)),
})
export type SearchHit = Static<typeof SearchHit>

const FacetCount = <T extends Record<string, ReturnType<typeof Type.String>>>(key: T) =>
  Type.Object({ ...key, count: Type.Integer() })

export const SearchFacets = Type.Object({
  genres: Type.Array(FacetCount({ slug: Type.String(), name: Type.String() })),
  languages: Type.Array(FacetCount({ language: Type.String() })),
  decades: Type.Array(Type.Object({ decade: Type.Integer(), count: Type.Integer() })),
})
export type SearchFacets = Static<typeof SearchFacets>

export const SearchResponse = Type.Object({
  query: Type.String(),
  items: Type.Array(SearchHit),
  nextCursor: Nullable(Type.String()),
  total: Type.Integer({ description: 'books matching the query and filters (exact)' }),
  facets: SearchFacets,
  didYouMean: Nullable(
    Type.String({
      description:
        'a close title, author or series when the words found little; when they found nothing, ' +
        'items are the results for this instead',
    }),
  ),
})
export type SearchResponse = Static<typeof SearchResponse>

export const SuggestQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 100, description: 'what has been typed so far' }),
    limit: Type.Integer({ minimum: 1, maximum: 10, default: 5, description: 'per kind, 1–10' }),
  },
  { additionalProperties: false },
)
export type SuggestQuery = Static<typeof SuggestQuery>

export const SuggestResponse = Type.Object({
  query: Type.String(),
  books: Type.Array(
    Type.Object({
      id: Type.Integer(),
      title: Type.String(),
      authors: Type.Array(AuthorRef),
      ratingsCount: Type.Integer(),
    }),
  ),
  authors: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      slug: Type.String(),
      bookCount: Type.Integer(),
    }),
  ),
  series: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      slug: Type.String(),
      bookCount: Type.Integer(),
    }),
  ),
})
export type SuggestResponse = Static<typeof SuggestResponse>

import { type Static, Type } from 'typebox'

/** Data shapes of the catalog API: one schema per shape, used to validate, serialize and document. */

export const BOOK_SORTS = ['popular', 'rating', 'newest', 'title'] as const
export type BookSort = (typeof BOOK_SORTS)[number]

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
const Slug = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 100 })
const Year = Type.Integer({ minimum: -3000, maximum: 2100 })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

export const Pagination = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'page size, 1–100' }),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'opaque cursor from nextCursor' }),
  ),
}

export const BookListQuery = Type.Object(
  {
    ...Pagination,
    sort: Type.Enum([...BOOK_SORTS], { default: 'popular', description: 'ordering' }),
    genre: Type.Optional({ ...Slug, description: 'genre slug, e.g. fantasy' }),
    author: Type.Optional({ ...Id, description: 'author id' }),
    series: Type.Optional({ ...Id, description: 'series id' }),
    language: Type.Optional(
      Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z]{2,4})?$', description: 'e.g. eng, en-US' }),
    ),
    yearFrom: Type.Optional({ ...Year, description: 'original publication year, inclusive' }),
    yearTo: Type.Optional({ ...Year, description: 'original publication year, inclusive' }),
    minRating: Type.Optional(
      Type.Number({ minimum: 0, maximum: 5, description: 'minimum average rating' }),
    ),
  },
  { additionalProperties: false },
)
export type BookListQuery = Static<typeof BookListQuery>

export const IsbnParams = Type.Object(
  { isbn: Type.String({ minLength: 1, maxLength: 32, description: 'ISBN-10 or ISBN-13' }) },
  { additionalProperties: false },
)

export const AuthorRef = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  slug: Type.String(),
})
export const GenreRef = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  slug: Type.String(),
})
export const SeriesRef = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  slug: Type.String(),
  position: Nullable(Type.Number()),
  positionLabel: Nullable(Type.String()),
})

export const Price = Type.Object({
  amountCents: Type.Integer({ minimum: 0 }),
  currency: Type.String({ description: 'ISO 4217' }),
})

export const BookSummary = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    subtitle: Nullable(Type.String()),
    authors: Type.Array(AuthorRef),
    language: Nullable(Type.String()),
    originalPublicationYear: Nullable(Type.Integer()),
    isbn13: Nullable(Type.String()),
    coverUrl: Nullable(Type.String()),
    averageRating: Nullable(Type.Number()),
    ratingsCount: Type.Integer(),
    price: Price,
  },
  { description: 'a book as it appears in lists' },
)
export type BookSummary = Static<typeof BookSummary>

export const RatingSummary = Type.Object({
  average: Nullable(Type.Number()),
  count: Type.Integer(),
  histogram: Type.Object({
    '1': Type.Integer(),
    '2': Type.Integer(),
    '3': Type.Integer(),
    '4': Type.Integer(),
    '5': Type.Integer(),
  }),
  bayesian: Type.Number({
    description:
      'ranking score: the average pulled towards a prior of 50 ratings of 4.03 stars, ' +
      '(50 × 4.03 + sum of stars) / (50 + count)',
  }),
})

export const BookDetail = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  subtitle: Nullable(Type.String()),
  description: Nullable(Type.String()),
  authors: Type.Array(AuthorRef),
  series: Type.Array(SeriesRef),
  genres: Type.Array(GenreRef),
  isbn10: Nullable(Type.String()),
  isbn13: Nullable(Type.String()),
  language: Nullable(Type.String()),
  originalPublicationYear: Nullable(Type.Integer()),
  coverUrl: Nullable(Type.String()),
  coverSmallUrl: Nullable(Type.String()),
  price: Price,
  rating: RatingSummary,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type BookDetail = Static<typeof BookDetail>

export const Page = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Nullable(Type.String()),
    total: Type.Integer({ description: 'rows matching the filters (exact)' }),
  })

export const BookPage = Page(BookSummary)

export const AuthorListQuery = Type.Object(
  {
    ...Pagination,
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'name prefix, case-insensitive' }),
    ),
  },
  { additionalProperties: false },
)
export type AuthorListQuery = Static<typeof AuthorListQuery>

export const AuthorSummary = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  slug: Type.String(),
  bookCount: Type.Integer(),
})
export type AuthorSummary = Static<typeof AuthorSummary>

export const AuthorDetail = Type.Object({
  ...AuthorSummary.properties,
  books: Type.Array(BookSummary, {
    description: 'the most popular books (up to 50); /api/books?author=id lists them all',
  }),
})

export const Genre = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String()),
  bookCount: Type.Integer(),
})
export type Genre = Static<typeof Genre>

export const SeriesDetail = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  slug: Type.String(),
  bookCount: Type.Integer(),
  books: Type.Array(
    Type.Object({
      position: Nullable(Type.Number()),
      positionLabel: Nullable(Type.String()),
      book: BookSummary,
    }),
    { description: 'in reading order; books without a position last' },
  ),
})
export type SeriesDetail = Static<typeof SeriesDetail>

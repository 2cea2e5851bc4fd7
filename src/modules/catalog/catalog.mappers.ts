import type { BookDetailRow, BookSummaryRow } from './books.repository.ts'
import type { AuthorSummary, BookDetail, BookSummary, Genre } from './catalog.schemas.ts'

/** Rows (snake_case, as SQL returns them) to API shapes (camelCase, as the schemas declare). */

type SummarySource = Omit<BookSummaryRow, 'sort_value'>

export function toBookSummary(row: SummarySource): BookSummary {
  return {
    id: row.id,
    title: row.title,
    subtitle: row.subtitle,
    authors: row.authors,
    language: row.language,
    originalPublicationYear: row.original_publication_year,
    isbn13: row.isbn13,
    coverUrl: row.cover_url,
    averageRating: row.average_rating === null ? null : Number(row.average_rating),
    ratingsCount: row.ratings_count,
    price: { amountCents: row.price_cents, currency: row.currency },
  }
}

export function toBookDetail(row: BookDetailRow): BookDetail {
  return {
    id: row.id,
    title: row.title,
    subtitle: row.subtitle,
    description: row.description,
    authors: row.authors,
    series: row.series.map((s) => ({
      id: s.id,
      name: s.name,
      slug: s.slug,
      // json_agg hands numerics back as JSON numbers already; Number() covers either engine
      position: s.position === null ? null : Number(s.position),
      positionLabel: s.position_label,
    })),
    genres: row.genres,
    isbn10: row.isbn10,
    isbn13: row.isbn13,
    language: row.language,
    originalPublicationYear: row.original_publication_year,
    coverUrl: row.cover_url,
    coverSmallUrl: row.cover_small_url,
    price: { amountCents: row.price_cents, currency: row.currency },
    rating: {
      average: row.average_rating === null ? null : Number(row.average_rating),
      count: row.ratings_count,
      histogram: {
        '1': row.ratings_1,
        '2': row.ratings_2,
        '3': row.ratings_3,
        '4': row.ratings_4,
        '5': row.ratings_5,
      },
      bayesian: Number(row.bayesian_rating),
    },
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

export function toAuthorSummary(row: {
  id: number
  name: string
  slug: string
  book_count: number
}): AuthorSummary {
  return { id: row.id, name: row.name, slug: row.slug, bookCount: row.book_count }
}

export function toGenre(row: {
  id: number
  name: string
  slug: string
  description: string | null
  book_count: number
}): Genre {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    bookCount: row.book_count,
  }
}

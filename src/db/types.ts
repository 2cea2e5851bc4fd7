import type { ColumnType, Generated } from 'kysely'

/** Table types for Kysely. They mirror db/migrations; a column added there is added here. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
/** numeric arrives as a string from pg; repositories convert it where they select it */
type Numeric = ColumnType<string | number, string | number, string | number>
type GeneratedAlways<T> = ColumnType<T, never, never>

export interface AuthorsTable {
  id: Generated<number>
  name: string
  slug: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface SeriesTable {
  id: Generated<number>
  name: string
  slug: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface GenresTable {
  id: Generated<number>
  name: string
  slug: string
  description: string | null
  created_at: Timestamp
}

export interface BooksTable {
  id: Generated<number>
  goodreads_id: number | null
  title: string
  subtitle: string | null
  description: string | null
  isbn10: string | null
  isbn13: string | null
  language: string | null
  original_publication_year: number | null
  cover_url: string | null
  cover_small_url: string | null
  price_cents: number
  currency: Generated<string>
  ratings_1: Generated<number>
  ratings_2: Generated<number>
  ratings_3: Generated<number>
  ratings_4: Generated<number>
  ratings_5: Generated<number>
  ratings_count: GeneratedAlways<number>
  average_rating: GeneratedAlways<Numeric | null>
  sort_title: GeneratedAlways<string>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface BookAuthorsTable {
  book_id: number
  author_id: number
  position: number
}

export interface BookSeriesTable {
  book_id: number
  series_id: number
  position: Numeric | null
  position_label: string | null
}

export interface BookGenresTable {
  book_id: number
  genre_id: number
  weight: number
}

export interface UsersTable {
  id: Generated<number>
  email: string | null
  display_name: string
  password_hash: string | null
  role: Generated<'user' | 'admin'>
  session_version: Generated<number>
  goodbooks_user_id: number | null
  disabled_at: Date | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface RefreshTokensTable {
  id: Generated<number>
  user_id: number
  family_id: string
  token_hash: Buffer
  expires_at: Date
  family_expires_at: Date
  used_at: Date | null
  revoked_at: Date | null
  user_agent: string | null
  created_at: Timestamp
}

export interface ApiKeysTable {
  id: Generated<number>
  name: string
  prefix: string
  key_hash: Buffer
  scopes: string[]
  tier: Generated<'standard' | 'partner' | 'internal'>
  created_by: number | null
  last_used_at: Date | null
  revoked_at: Date | null
  created_at: Timestamp
}

export interface SchemaMigrationsTable {
  version: number
  name: string
  checksum: string
  applied_at: Timestamp
}

export interface DB {
  authors: AuthorsTable
  series: SeriesTable
  genres: GenresTable
  books: BooksTable
  book_authors: BookAuthorsTable
  book_series: BookSeriesTable
  book_genres: BookGenresTable
  users: UsersTable
  refresh_tokens: RefreshTokensTable
  api_keys: ApiKeysTable
  schema_migrations: SchemaMigrationsTable
}

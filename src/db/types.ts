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

// --- 0003_reviews_library ------------------------------------------------------------------
// Declared by appending: TypeScript merges these with the interfaces above of the same name.

export interface BooksTable {
  /** (50 * 4.03 + sum of stars) / (50 + ratings): see 0003_reviews_library.sql */
  bayesian_rating: GeneratedAlways<Numeric>
}

export type ReviewSource = 'victoria' | 'goodbooks'

export interface ReviewsTable {
  id: Generated<number>
  book_id: number
  user_id: number
  rating: number
  title: string | null
  body: string | null
  source: Generated<ReviewSource>
  helpful_count: Generated<number>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ReviewHelpfulVotesTable {
  review_id: number
  user_id: number
  created_at: Timestamp
}

export type Shelf = 'want_to_read' | 'reading' | 'read' | 'did_not_finish'

/**
 * A calendar date, written as YYYY-MM-DD. Both drivers parse a selected `date` into a Date at
 * local midnight, which shifts with the server's time zone: repositories select dates through
 * to_char instead.
 */
type CalendarDate = ColumnType<Date, string, string>

export interface LibraryEntriesTable {
  user_id: number
  book_id: number
  shelf: Shelf | null
  progress: Generated<number>
  started_on: CalendarDate | null
  finished_on: CalendarDate | null
  owned: Generated<boolean>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface DB {
  reviews: ReviewsTable
  review_helpful_votes: ReviewHelpfulVotesTable
  library_entries: LibraryEntriesTable
}

// --- 0006_orders_payments ------------------------------------------------------------------

export type OrderStatus = 'pending' | 'paid' | 'failed' | 'cancelled' | 'refunded'
export type OrderProvider = 'local' | 'stripe' | 'none'

export interface OrdersTable {
  id: Generated<number>
  user_id: number | null
  status: Generated<OrderStatus>
  total_cents: number
  currency: string
  provider: OrderProvider
  cart_key: string
  provider_key: Generated<string>
  provider_payment_id: string | null
  provider_refund_id: string | null
  refund_requested_at: Date | null
  paid_at: Date | null
  failed_at: Date | null
  cancelled_at: Date | null
  refunded_at: Date | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface OrderItemsTable {
  order_id: number
  position: number
  book_id: number | null
  title: string
  price_cents: number
  currency: string
}

export interface IdempotencyKeysTable {
  user_id: number
  key: string
  request_method: string
  request_path: string
  request_hash: string
  order_id: number | null
  lock_token: string | null
  locked_until: Date | null
  response_status: number | null
  response_body: ColumnType<unknown, string | null, string | null> | null
  created_at: Timestamp
  expires_at: Date
}

export interface PaymentEventsTable {
  id: string
  provider: 'local' | 'stripe'
  type: string
  payment_id: string | null
  order_id: number | null
  transition: string | null
  created_at: Date
  received_at: Timestamp
}

export interface LocalPaymentIntentsTable {
  id: string
  idempotency_key: string
  amount: number
  currency: string
  status: 'requires_confirmation' | 'succeeded' | 'canceled'
  amount_received: Generated<number>
  amount_refunded: Generated<number>
  refund_id: string | null
  order_id: number | null
  client_secret: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface DB {
  orders: OrdersTable
  order_items: OrderItemsTable
  idempotency_keys: IdempotencyKeysTable
  payment_events: PaymentEventsTable
  local_payment_intents: LocalPaymentIntentsTable
}

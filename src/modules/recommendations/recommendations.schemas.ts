import { type Static, Type } from 'typebox'
import { BookSummary } from '../catalog/catalog.schemas.ts'

/** Data shapes of the recommendations API. */

export const REASON_KINDS = [
  'because_you',
  'genre_match',
  'popular_in_genre',
  'trending_in_genre',
  'popular',
  'trending',
  'co_readers',
  'same_author',
  'same_genre',
] as const

const Ref = Type.Object({ id: Type.Integer(), name: Type.String() })

export const Reason = Type.Object({
  kind: Type.Enum([...REASON_KINDS], {
    description:
      'because_you: similar to a book you rated, shelved or bought; genre_match: in a genre you ' +
      'read; popular_in_genre / trending_in_genre: cold start in your favourite genres; popular / ' +
      'trending: cold start overall; co_readers, same_author, same_genre: similar books',
  }),
  text: Type.String({ description: 'for people, e.g. "Because you liked The Hobbit"' }),
  book: Type.Optional(Type.Object({ id: Type.Integer(), title: Type.String() })),
  genre: Type.Optional(
    Type.Object({ id: Type.Integer(), name: Type.String(), slug: Type.String() }),
  ),
  author: Type.Optional(Ref),
})
export type Reason = Static<typeof Reason>

export const Recommendation = Type.Object({
  book: BookSummary,
  reasons: Type.Array(Reason, { minItems: 1 }),
})
export type Recommendation = Static<typeof Recommendation>

export const RecommendationList = Type.Object({
  items: Type.Array(Recommendation, { description: 'best first' }),
})
export type RecommendationList = Static<typeof RecommendationList>

export const RecommendationQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'how many, 1–50' }),
  },
  { additionalProperties: false },
)
export type RecommendationQuery = Static<typeof RecommendationQuery>

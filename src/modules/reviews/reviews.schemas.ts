import { type Static, Type } from 'typebox'
import { Pagination } from '../catalog/catalog.schemas.ts'

/** Data shapes of the reviews API: one schema per shape, used to validate, serialize and document. */

export const REVIEW_SORTS = ['newest', 'highest', 'lowest', 'helpful'] as const
export type ReviewSort = (typeof REVIEW_SORTS)[number]

/** What is stored, after markup and control characters are removed (see src/lib/plain-text.ts). */
export const TITLE_MAX_LENGTH = 200
export const BODY_MAX_LENGTH = 10_000

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

const Rating = Type.Integer({ minimum: 1, maximum: 5, description: 'one to five stars' })
// The limits that count are those of the stored text; the raw input may carry markup that is
// removed, so it is allowed a few times more before it is refused unread.
const RawTitle = Type.String({
  maxLength: TITLE_MAX_LENGTH * 5,
  description: `plain text; markup is removed and at most ${TITLE_MAX_LENGTH} characters remain`,
})
const RawBody = Type.String({
  maxLength: BODY_MAX_LENGTH * 5,
  description: `plain text; markup is removed and at most ${BODY_MAX_LENGTH} characters remain`,
})

export const CreateReviewBody = Type.Object(
  {
    rating: Rating,
    title: Type.Optional(Nullable(RawTitle)),
    body: Type.Optional(Nullable(RawBody)),
  },
  { additionalProperties: false },
)
export type CreateReviewBody = Static<typeof CreateReviewBody>

export const UpdateReviewBody = Type.Object(
  {
    rating: Type.Optional(Rating),
    title: Type.Optional(Nullable({ ...RawTitle, description: 'null removes the title' })),
    body: Type.Optional(Nullable({ ...RawBody, description: 'null removes the text' })),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateReviewBody = Static<typeof UpdateReviewBody>

export const ReviewListQuery = Type.Object(
  {
    ...Pagination,
    sort: Type.Enum([...REVIEW_SORTS], {
      default: 'newest',
      description: 'newest first; highest or lowest rating; most helpful',
    }),
    withText: Type.Boolean({
      default: false,
      description: 'only reviews with a title or text (leaves out bare ratings)',
    }),
  },
  { additionalProperties: false },
)
export type ReviewListQuery = Static<typeof ReviewListQuery>

export const MyReviewsQuery = Type.Object({ ...Pagination }, { additionalProperties: false })
export type MyReviewsQuery = Static<typeof MyReviewsQuery>

export const Review = Type.Object({
  id: Type.Integer(),
  bookId: Type.Integer(),
  author: Type.Object({ id: Type.Integer(), displayName: Type.String() }),
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  title: Nullable(Type.String()),
  body: Nullable(Type.String()),
  verifiedReader: Type.Boolean({
    description:
      'the author owns the book, has shelved it as read, or has read at least half of it',
  }),
  helpfulCount: Type.Integer({ minimum: 0 }),
  source: Type.Enum(['victoria', 'goodbooks'], {
    description: 'goodbooks: a rating imported from the goodbooks-10k data set',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type Review = Static<typeof Review>

export const HelpfulVote = Type.Object({
  reviewId: Type.Integer(),
  helpfulCount: Type.Integer({ minimum: 0 }),
  voted: Type.Boolean({ description: 'whether the caller now counts among the helpful votes' }),
  changed: Type.Boolean({ description: 'false when the call repeated the state already stored' }),
})
export type HelpfulVote = Static<typeof HelpfulVote>

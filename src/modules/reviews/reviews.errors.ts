import createError from '@fastify/error'

export const ReviewNotFound = createError('REVIEW_NOT_FOUND', 'No review has id %s', 404)
export const ReviewExists = createError(
  'REVIEW_EXISTS',
  'You have already reviewed this book (review %s); change it with PATCH /api/reviews/%s',
  409,
)
export const TextTooLong = createError('TEXT_TOO_LONG', '%s', 400)
export const OwnReviewVote = createError(
  'OWN_REVIEW_VOTE',
  'Your own review cannot be marked helpful by you',
  403,
)

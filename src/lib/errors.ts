import createError from '@fastify/error'

/**
 * Cross-cutting coded errors. Modules declare their own in `<module>.errors.ts`; the error
 * handler renders any of them as problem+json using their `code` and `statusCode`.
 */
export const InvalidCursor = createError(
  'INVALID_CURSOR',
  'The cursor is malformed or belongs to another sort order; start again without a cursor',
  400,
)
export const InvalidRange = createError('INVALID_RANGE', '%s', 400)

/** A year filter whose start comes after its end is the client's mistake: 400 INVALID_RANGE. */
export function assertYearRange(query: {
  yearFrom?: number | undefined
  yearTo?: number | undefined
}) {
  if (query.yearFrom !== undefined && query.yearTo !== undefined && query.yearFrom > query.yearTo) {
    throw new InvalidRange(`yearFrom (${query.yearFrom}) is after yearTo (${query.yearTo})`)
  }
}
export const DatabaseUnavailable = createError(
  'DATABASE_UNAVAILABLE',
  'The database is unavailable or too slow right now; retry shortly',
  503,
)

import createError from '@fastify/error'

export const BookNotFound = createError('BOOK_NOT_FOUND', 'No book has %s', 404)
export const AuthorNotFound = createError('AUTHOR_NOT_FOUND', 'No author has id %s', 404)
export const GenreNotFound = createError('GENRE_NOT_FOUND', 'No genre has id %s', 404)
export const SeriesNotFound = createError('SERIES_NOT_FOUND', 'No series has id %s', 404)
export const UnknownGenre = createError(
  'UNKNOWN_GENRE',
  'No genre has slug "%s"; GET /api/genres lists them',
  400,
)
export const InvalidIsbn = createError('INVALID_ISBN', '%s', 400)

import createError from '@fastify/error'

export const IsbnTaken = createError('ISBN_TAKEN', 'Another book has ISBN %s', 409)
export const SlugTaken = createError('SLUG_TAKEN', 'Another %s has the slug "%s"', 409)
export const GenreNameTaken = createError('GENRE_NAME_TAKEN', 'Another genre is called "%s"', 409)
export const AuthorHasBooks = createError(
  'AUTHOR_HAS_BOOKS',
  'Author %s is still credited on books; remove them from those books first',
  409,
)
export const SeriesHasBooks = createError(
  'SERIES_HAS_BOOKS',
  'Series %s still has books; take them out of the series first',
  409,
)
export const BookInUse = createError(
  'BOOK_IN_USE',
  'Book %s is referenced by other records (orders, for instance) and cannot be deleted',
  409,
)
export const UnknownAuthors = createError('UNKNOWN_AUTHORS', 'No author has id %s', 422)
export const UnknownSeries = createError('UNKNOWN_SERIES', 'No series has id %s', 422)
export const UnknownGenres = createError('UNKNOWN_GENRES', 'No genre has id %s', 422)
export const DuplicateSeries = createError(
  'DUPLICATE_SERIES',
  'Series %s is listed more than once; a book has one position per series',
  400,
)
export const InvalidCatalogValue = createError(
  'INVALID_CATALOG_VALUE',
  'A value breaks a rule of the catalog (%s)',
  400,
)

import createError from '@fastify/error'

export const LibraryEntryNotFound = createError(
  'LIBRARY_ENTRY_NOT_FOUND',
  'Book %s is not in your library',
  404,
)
export const InvalidDates = createError('INVALID_DATES', '%s', 400)

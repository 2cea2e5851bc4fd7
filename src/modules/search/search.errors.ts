import createError from '@fastify/error'

export const UnknownGenre = createError(
  'UNKNOWN_GENRE',
  'No genre has slug "%s"; GET /api/genres lists them',
  400,
)

/**
 * PostgreSQL errors that callers translate into client answers (23505 → 409 and so on).
 * pg and PGlite both expose the SQLSTATE as `code` and the constraint as `constraint`.
 */
interface PostgresError {
  code?: unknown
  constraint?: unknown
  message?: unknown
}

function matches(error: unknown, sqlstate: string, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as PostgresError
  if (e.code !== sqlstate) return false
  if (constraint === undefined) return true
  return e.constraint === constraint || String(e.message).includes(`"${constraint}"`)
}

export const isUniqueViolation = (error: unknown, constraint?: string) =>
  matches(error, '23505', constraint)
export const isForeignKeyViolation = (error: unknown, constraint?: string) =>
  matches(error, '23503', constraint)
export const isCheckViolation = (error: unknown, constraint?: string) =>
  matches(error, '23514', constraint)

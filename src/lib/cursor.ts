import { InvalidCursor } from './errors.ts'

/**
 * Opaque keyset cursors: base64url JSON of the sort key name, the last row's sort value and its
 * id. The sort name is inside so that a cursor from one ordering is refused by another.
 */
export interface CursorPosition {
  sort: string
  value: string | number
  id: number
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.sort, position.value, position.id])).toString(
    'base64url',
  )
}

export function decodeCursor(cursor: string, expectedSort: string): CursorPosition {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidCursor()
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw new InvalidCursor()
  const [sort, value, id] = parsed as unknown[]
  const valueOk =
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.length <= 1000)
  if (sort !== expectedSort || !valueOk || !Number.isSafeInteger(id) || (id as number) < 1) {
    throw new InvalidCursor()
  }
  return { sort, value: value as string | number, id: id as number }
}

/**
 * Splits the `limit + 1` rows a keyset query fetched into the page and the cursor that
 * continues after it (null on the last page). Rows carry their sort key as `sort_value`.
 */
export function keysetPage<T extends { id: number; sort_value: string | number }>(
  rows: T[],
  limit: number,
  sort: string,
): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  const nextCursor =
    rows.length > limit && last ? encodeCursor({ sort, value: last.sort_value, id: last.id }) : null
  return { page, nextCursor }
}

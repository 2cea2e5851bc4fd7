/**
 * ISBN parsing and check digits (ISO 2108). The API accepts either form, with or without hyphens
 * and spaces; books are stored and looked up by ISBN-13, with ISBN-10 kept alongside.
 */

export type IsbnParseResult =
  | { ok: true; isbn13: string; isbn10: string | null }
  | { ok: false; reason: 'format' | 'checksum' }

export function parseIsbn(input: string): IsbnParseResult {
  const compact = input.replace(/[\s-]/g, '').toUpperCase()
  if (/^\d{9}[\dX]$/.test(compact)) {
    if (!isValidIsbn10(compact)) return { ok: false, reason: 'checksum' }
    return { ok: true, isbn13: isbn10To13(compact), isbn10: compact }
  }
  if (/^97[89]\d{10}$/.test(compact)) {
    if (!isValidIsbn13(compact)) return { ok: false, reason: 'checksum' }
    return { ok: true, isbn13: compact, isbn10: isbn13To10(compact) }
  }
  return { ok: false, reason: 'format' }
}

export function isValidIsbn10(isbn: string): boolean {
  if (!/^\d{9}[\dX]$/.test(isbn)) return false
  return isbn10Sum(isbn) % 11 === 0
}

export function isValidIsbn13(isbn: string): boolean {
  if (!/^97[89]\d{10}$/.test(isbn)) return false
  return isbn13CheckDigit(isbn.slice(0, 12)) === isbn[12]
}

/** Every ISBN-10 has an ISBN-13: prefix 978 and recompute the check digit. */
export function isbn10To13(isbn10: string): string {
  const body = `978${isbn10.slice(0, 9)}`
  return body + isbn13CheckDigit(body)
}

/** Only 978-prefixed ISBN-13s have an ISBN-10 form; 979 ones do not. */
export function isbn13To10(isbn13: string): string | null {
  if (!isbn13.startsWith('978')) return null
  const body = isbn13.slice(3, 12)
  const rest = (11 - (isbn10Sum(`${body}0`) % 11)) % 11
  return body + (rest === 10 ? 'X' : String(rest))
}

function isbn10Sum(isbn: string): number {
  let sum = 0
  for (let i = 0; i < 10; i++) {
    const c = isbn[i]
    sum += (10 - i) * (c === 'X' ? 10 : Number(c))
  }
  return sum
}

function isbn13CheckDigit(first12: string): string {
  let sum = 0
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3)
  return String((10 - (sum % 10)) % 10)
}

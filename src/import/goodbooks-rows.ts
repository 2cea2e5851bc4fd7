import { isbn10To13, isbn13To10, isValidIsbn10, isValidIsbn13 } from '../lib/isbn.ts'
import type { GoodbooksBook } from './goodbooks-reader.ts'
import { parseDisplayTitle, type SeriesEntry } from './series-title.ts'
import { cleanName, slugify } from './slug.ts'

/** One books.csv record turned into what the catalog stores (still without database ids). */
export interface BookRecord {
  goodreadsId: number
  title: string
  subtitle: string | null
  isbn10: string | null
  isbn13: string | null
  language: string | null
  year: number | null
  coverUrl: string | null
  coverSmallUrl: string | null
  priceCents: number
  ratings: [number, number, number, number, number]
  /** in the file's order, one entry per distinct author (position = index + 1) */
  authors: { name: string; slug: string }[]
  series: (SeriesEntry & { slug: string })[]
}

export function toBookRecord(raw: GoodbooksBook): BookRecord {
  const parsed = parseDisplayTitle(raw.title || raw.originalTitle)
  const title = clip(parsed.title, 500) || `Goodreads book ${raw.goodreadsId}`
  const seriesSlugs = new Set<string>()
  const series = parsed.series
    .map((s) => ({ ...s, slug: slugify(s.name, 'series') }))
    .filter((s) => !seriesSlugs.has(s.slug) && seriesSlugs.add(s.slug))
  return {
    goodreadsId: raw.goodreadsId,
    title,
    subtitle: parsed.subtitle ? clip(parsed.subtitle, 500) || null : null,
    ...normalizeIsbns(raw.isbn, raw.isbn13),
    language: normalizeLanguage(raw.languageCode),
    year: parseYear(raw.originalPublicationYear),
    coverUrl: normalizeCover(raw.imageUrl),
    coverSmallUrl: normalizeCover(raw.smallImageUrl),
    priceCents: priceFor(raw.goodreadsId),
    ratings: raw.ratings,
    authors: parseAuthors(raw.authors),
    series,
  }
}

const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max).trim() : text)

/**
 * The `isbn` column lost its leading zeros (a spreadsheet read it as a number): left-pad to ten.
 * The `isbn13` column is in scientific notation with twelve significant digits, so its last
 * digit is rounded away; it is used only when written out in full (never, in goodbooks-10k), and
 * the ISBN-13 is otherwise derived from a valid ISBN-10. Anything invalid becomes null.
 */
export function normalizeIsbns(
  isbn: string,
  isbn13Cell: string,
): { isbn10: string | null; isbn13: string | null } {
  const ten = isbn.trim().toUpperCase()
  if (/^\d{1,9}[\dX]$/.test(ten)) {
    const padded = ten.padStart(10, '0')
    if (isValidIsbn10(padded)) return { isbn10: padded, isbn13: isbn10To13(padded) }
  }
  const thirteen = preciseDigits(isbn13Cell)
  if (thirteen && isValidIsbn13(thirteen)) return { isbn10: isbn13To10(thirteen), isbn13: thirteen }
  return { isbn10: null, isbn13: null }
}

/**
 * The integer a cell such as "9780439023481", "9780439023481.0" or "9.780439023481e+12" writes
 * with every digit present; null when digits were lost ("9.78043902348e+12" would need a
 * made-up last digit) or when it is not an integer.
 */
export function preciseDigits(cell: string): string | null {
  const m = /^(\d+)(?:\.(\d*))?(?:[eE]\+?(\d+))?$/.exec(cell.trim())
  if (!m) return null
  const fraction = m[2] ?? ''
  const digits = m[1]! + fraction
  const shift = Number(m[3] ?? 0) - fraction.length
  if (shift > 0) return null
  const whole = digits.slice(0, digits.length + shift)
  if (!/^0*$/.test(digits.slice(digits.length + shift))) return null
  return whole.replace(/^0+(?=\d)/, '')
}

// the books.language CHECK: "eng", "en-US", "fre"; anything else is stored as unknown
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/

export function normalizeLanguage(code: string): string | null {
  const trimmed = code.trim()
  return LANGUAGE.test(trimmed) ? trimmed : null
}

/** "2008.0" → 2008, "-720.0" → -720 (Homer), "" → null; outside the CHECK's range → null. */
export function parseYear(cell: string): number | null {
  if (!/^-?\d+(\.0*)?$/.test(cell.trim())) return null
  const year = Number.parseInt(cell, 10)
  return year >= -3000 && year <= 2100 ? year : null
}

/** Goodreads' "nophoto" placeholder is not a cover: the API shows its own fallback instead. */
export function normalizeCover(url: string): string | null {
  const trimmed = url.trim()
  if (!/^https?:\/\//.test(trimmed) || trimmed.length > 2000) return null
  return trimmed.includes('/nophoto/') ? null : trimmed
}

/**
 * A stable price for a book, the same on every import: 4.99 to 24.99 in 50-cent steps, picked
 * by a multiplicative hash of the id so that neighbouring ids get unrelated prices.
 */
export function priceFor(id: number): number {
  const hash = Math.imul(id, 2_654_435_761) >>> 0
  return 499 + 50 * (hash % 41)
}

/** "J.K. Rowling, Mary GrandPré" → two authors; a name listed twice keeps its first place. */
export function parseAuthors(cell: string): { name: string; slug: string }[] {
  const seen = new Set<string>()
  const authors: { name: string; slug: string }[] = []
  for (const part of cell.split(',')) {
    const name = cleanName(part)
    if (!name || name.length > 300) continue
    const slug = slugify(name, 'author')
    if (seen.has(slug)) continue
    seen.add(slug)
    authors.push({ name, slug })
  }
  return authors.slice(0, 100)
}

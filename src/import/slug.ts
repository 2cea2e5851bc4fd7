import { createHash } from 'node:crypto'

/** The schema's slug rule (authors, series, genres): lowercase ASCII words joined by hyphens. */
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/
const MAX_SLUG = 320

// Latin letters that NFKD does not decompose into a base letter plus a combining mark.
const EXTRA_FOLDS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
}

/**
 * "Mary GrandPré" → "mary-grandpre"; "J.K. Rowling" and "J. K. Rowling" → "j-k-rowling".
 * Names with no Latin letters at all (Arabic, CJK, Greek, Cyrillic authors exist in goodbooks)
 * would fold to nothing, so they get `<fallback>-<hash of the name>`: stable across runs, which
 * is what keeps the import idempotent, and distinct per name.
 */
export function slugify(text: string, fallback = 'item'): string {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => EXTRA_FOLDS[c] ?? c)
  let slug = folded.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
  if (slug.length > MAX_SLUG) slug = slug.slice(0, MAX_SLUG).replace(/-[^-]*$/, '')
  if (slug) return slug
  const hash = createHash('sha256').update(text.normalize('NFC').trim()).digest('hex')
  return `${fallback}-${hash.slice(0, 10)}`
}

/** Trims and collapses runs of whitespace ("Robert           Jackson" appears in the data). */
export function cleanName(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

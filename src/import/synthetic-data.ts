import { base, en, Faker } from '@faker-js/faker'
import { isValidIsbn13 } from '../lib/isbn.ts'
import { mulberry32 } from '../lib/seeded-random.ts'

/**
 * Generators for synthetic books. Faker supplies the vocabulary (names, words) once; the
 * per-field choices use a small seeded PRNG, which is far cheaper than a faker call per field
 * and keeps a million books to a few seconds of generation. Same seed, same books.
 */

/**
 * Synthetic ISBN-13s live under 979-0, the prefix reserved for printed music (ISMN): no book ISBN
 * can ever collide with them, real ones being 978 (and 979-8 onwards). 8 digits of counter allow
 * a hundred million synthetic books.
 */
export const SYNTHETIC_ISBN_PREFIX = '9790'
/** the first ISBN-13 string past the synthetic range, for range scans */
export const SYNTHETIC_ISBN_END = '9791'
export const MAX_SYNTHETIC_COUNTER = 99_999_999

export function syntheticIsbn13(counter: number): string {
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_SYNTHETIC_COUNTER) {
    throw new RangeError(`synthetic ISBN counter out of range: ${counter}`)
  }
  const body = SYNTHETIC_ISBN_PREFIX + String(counter).padStart(8, '0')
  for (let d = 0; d <= 9; d++) if (isValidIsbn13(body + d)) return body + d
  throw new Error('unreachable: one check digit always fits')
}

export interface Vocabulary {
  random: () => number
  pick<T>(items: readonly T[]): T
  personName(): string
  title(): string
  subtitle(): string
  seriesName(): string
}

const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1)
const SERIES_WORDS = [
  'Chronicles',
  'Saga',
  'Cycle',
  'Trilogy',
  'Sequence',
  'Quartet',
  'Legacy',
  'Files',
]
const SUBTITLES = ['A Novel', 'A Memoir', 'Stories', 'A Mystery', 'A Love Story', 'Poems']

export function createVocabulary(seed: number): Vocabulary {
  const faker = new Faker({ locale: [en, base] })
  faker.seed(seed)
  const random = mulberry32(seed)
  const words = faker.definitions.word
  // only single words read well in titles
  const adjectives = words.adjective.filter((w) => /^[a-z]+$/.test(w)).map(cap)
  const nouns = words.noun.filter((w) => /^[a-z]+$/.test(w)).map(cap)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const patterns: (() => string)[] = [
    () => `The ${pick(adjectives)} ${pick(nouns)}`,
    () => `${pick(nouns)} of ${pick(nouns)}`,
    () => `The ${pick(nouns)}'s ${pick(nouns)}`,
    () => `${pick(adjectives)} ${pick(nouns)}`,
    () => `A ${pick(nouns)} in the ${pick(nouns)}`,
    () => `The ${pick(nouns)} and the ${pick(nouns)}`,
    () => `${pick(nouns)}`,
  ]
  return {
    random,
    pick,
    personName: () => `${faker.person.firstName()} ${faker.person.lastName()}`,
    title: () => pick(patterns)(),
    subtitle: () =>
      random() < 0.5 ? pick(SUBTITLES) : `A ${pick(adjectives)} History of the ${pick(nouns)}`,
    seriesName: () => `The ${pick(nouns)} ${pick(SERIES_WORDS)}`,
  }
}

const OTHER_LANGUAGES = ['en-US', 'en-GB', 'spa', 'fre', 'ger', 'ita', 'por', 'jpn']

export function randomLanguage(v: Vocabulary): string {
  return v.random() < 0.85 ? 'eng' : v.pick(OTHER_LANGUAGES)
}

/** Mostly recent (more books are published every year), a few unknown. */
export function randomYear(v: Vocabulary): number | null {
  if (v.random() < 0.02) return null
  return 1850 + Math.floor(175 * Math.sqrt(v.random()))
}

/**
 * A one-to-five-star histogram: a log-uniform number of ratings (most books have few, a few have
 * very many) spread around a random mean between 2.8 and 4.7 stars.
 */
export function randomRatings(v: Vocabulary): [number, number, number, number, number] {
  const total = Math.floor(Math.exp(v.random() * Math.log(200_000))) - 1
  const mean = 2.8 + v.random() * 1.9
  const weights = [1, 2, 3, 4, 5].map((k) => Math.exp(-((k - mean) ** 2) / 1.5))
  const sum = weights.reduce((a, b) => a + b, 0)
  const counts = weights.map((w) => Math.round((total * w) / sum))
  return counts as [number, number, number, number, number]
}

/** `n` distinct indexes below `size`, skewed towards low ones (prolific authors, big genres). */
export function skewedIndexes(v: Vocabulary, size: number, n: number): number[] {
  const picked: number[] = []
  for (let tries = 0; picked.length < Math.min(n, size) && tries < 20; tries++) {
    const i = Math.floor(size * v.random() ** 2)
    if (!picked.includes(i)) picked.push(i)
  }
  return picked
}

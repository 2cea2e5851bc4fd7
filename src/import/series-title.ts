import { cleanName } from './slug.ts'

/**
 * Goodreads display titles carry the series in a trailing group:
 * "The Color of Magic (Discworld, #1; Rincewind #1)". This splits such a title into the clean
 * title, an optional subtitle and the series memberships.
 */

export interface SeriesEntry {
  name: string
  /** the number the volume sorts by: 2.5 for a novella, 1 for the omnibus "#1-3" */
  position: number | null
  /** the position as written when a number alone does not say it ("1-3", "5, Part 1") */
  positionLabel: string | null
}

export interface ParsedTitle {
  title: string
  subtitle: string | null
  series: SeriesEntry[]
}

const MAX_LABEL = 20 // book_series.position_label CHECK
const MAX_POSITION = 99_999 // numeric(7, 2)

export function parseDisplayTitle(display: string): ParsedTitle {
  const text = cleanName(display)
  const group = trailingGroup(text)
  // Only a group holding "#" is a series: "(And Other Concerns)", "(Graphic Novel)" or
  // "(Penguin Readers, Level 5)" are part of the title, and an unnumbered "(Star Wars)" cannot
  // be told apart from them, so it stays in the title too.
  if (group?.inner.includes('#')) {
    const series = parseSeriesGroup(group.inner)
    const head = text.slice(0, group.start).trim()
    if (series.length > 0 && head) return { ...splitSubtitle(head), series }
  }
  return { ...splitSubtitle(text), series: [] }
}

/** The balanced "(...)" that ends the text, if any; inner groups such as "(US 2nd)" are kept. */
function trailingGroup(text: string): { start: number; inner: string } | null {
  if (!text.endsWith(')')) return null
  let depth = 0
  for (let i = text.length - 1; i >= 0; i--) {
    if (text[i] === ')') depth++
    else if (text[i] === '(' && --depth === 0) return { start: i, inner: text.slice(i + 1, -1) }
  }
  return null
}

interface RawEntry {
  name: string
  positions: string[]
}

/**
 * Series are separated by ";" and each reads "Name, #N" — but the comma is sometimes missing
 * ("Rincewind #1"), several series can also be separated by commas ("Dark-Hunter #5, Were-Hunter
 * #1"), names contain commas ("Memory, Sorrow, and Thorn, #3") and extra positions follow the
 * first ("#4.1, #4.3", "#0.5, 2.5", "#5, Part 1"). So the group is read token by token: text
 * before a "#" names a series; a bare number or "Part ..." after a position extends it.
 */
export function parseSeriesGroup(inner: string): SeriesEntry[] {
  const entries: RawEntry[] = []
  for (const part of inner.split(';')) {
    let current: RawEntry | null = null
    let pendingName: string[] = []
    const tokens = part
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean)
    if (!part.includes('#')) {
      // "(Memory, Sorrow, and Thorn, #3; Part 2)": the second half belongs to the previous entry
      const last = entries.at(-1)
      if (last && /^part\b/i.test(part.trim())) last.positions.push(part.trim())
      continue
    }
    for (const token of tokens) {
      const hash = /^(.*?)\s*#\s*(.*)$/.exec(token)
      if (hash) {
        if (hash[1]) pendingName.push(hash[1])
        if (pendingName.length > 0) {
          current = { name: pendingName.join(', '), positions: [hash[2]!] }
          entries.push(current)
          pendingName = []
        } else if (current) current.positions.push(hash[2]!)
      } else if (current && pendingName.length === 0 && /^(\d+(\.\d+)?|part\b.*)$/i.test(token)) {
        current.positions.push(token)
      } else {
        pendingName.push(token)
      }
    }
  }
  return entries.flatMap(toEntry)
}

function toEntry(raw: RawEntry): SeriesEntry[] {
  // "Imajica Part #1/2": the word before the number is not part of the series name
  const name = cleanName(raw.name.replace(/\s+(part|book|vol\.?|volume)$/i, ''))
  if (!name || name.length > 300) return []
  const parts = raw.positions
    .map((p) => p.replace(/\s*[–—-]\s*/g, '-').trim())
    .filter((p) => p.length > 0)
  let label = parts.join(', ')
  if (label.length > MAX_LABEL) label = parts.join(',')
  if (label.length > MAX_LABEL) label = `${label.slice(0, MAX_LABEL - 1)}…`
  const leading = /^\d+(\.\d+)?/.exec(label)
  const number = leading ? Number(leading[0]) : Number.NaN
  const position = Number.isFinite(number) && number <= MAX_POSITION ? number : null
  // a plain "3" or "2.5" says nothing the number does not
  const positionLabel = label === '' || /^\d+(\.\d+)?$/.test(label) ? null : label
  return [{ name, position, positionLabel }]
}

// Heads that number a volume ("Death Note, Vol. 3", "Scott Pilgrim, Volume 1"): the text after
// the colon is that volume's name, not a subtitle.
const VOLUME_HEAD = /\b(vol|volume|book|part|episode|chapter|issue|no)\.?\s*[\divxlc]+$/i
const VOLUME_TAIL = /^(part|book|vol|volume|episode|chapter|season)\b/i
const MIN_SUBTITLE_WORDS = 4

/**
 * Splits "Freakonomics: A Rogue Economist Explores the Hidden Side of Everything" on its first
 * ": ". Conservative: short tails such as "Harry Potter: Film Wizardry", "Batman: Year One" or
 * "A Storm of Swords: Blood and Gold" are names rather than subtitles, so the tail needs at
 * least four words, and volume numbering on either side keeps the title whole.
 */
export function splitSubtitle(text: string): { title: string; subtitle: string | null } {
  const at = text.indexOf(': ')
  if (at <= 0) return { title: text, subtitle: null }
  const title = text.slice(0, at).trim()
  const subtitle = text.slice(at + 2).trim()
  const words = subtitle.split(/\s+/).filter((w) => /\p{L}|\d/u.test(w))
  if (
    !/\p{L}/u.test(title) ||
    words.length < MIN_SUBTITLE_WORDS ||
    VOLUME_HEAD.test(title) ||
    VOLUME_TAIL.test(subtitle) ||
    subtitle.includes('#') ||
    title.length > 500 ||
    subtitle.length > 500
  ) {
    return { title: text, subtitle: null }
  }
  return { title, subtitle }
}

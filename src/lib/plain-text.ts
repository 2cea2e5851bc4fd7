import sanitizeHtml from 'sanitize-html'

/**
 * Review titles and texts are stored as plain text: whatever a client sends, what comes back is
 * words, never markup, so any client may show it (escaped as text) without a sanitizer of its
 * own. Markup is removed by sanitize-html with no tag allowed; line breaks and paragraph ends
 * become newlines first so that "<p>One</p><p>Two</p>" keeps its words apart.
 */

const NO_TAGS: sanitizeHtml.IOptions = { allowedTags: [], allowedAttributes: {} }

// sanitize-html decodes entities while parsing and escapes exactly these four on output
const ESCAPED: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"' }
const ESCAPED_PATTERN = /&(amp|lt|gt|quot);/g

const LINE_BREAKS = /<\s*br\s*\/?\s*>|<\s*\/\s*(p|div|li|h[1-6]|blockquote|pre|tr)\s*>/gi

// C0 and C1 control characters except tab and newline; bidirectional overrides and isolates,
// which can make text read differently from what it says; BOM and the non-characters.
const CONTROL = /[^\P{Cc}\t\n]|[\u202A-\u202E\u2066-\u2069\uFEFF\uFFFE\uFFFF]/gu
// half of a surrogate pair cannot be encoded as UTF-8 (PostgreSQL would refuse the text)
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

// Each pass decodes one level of entities: "&amp;lt;b&amp;gt;" needs two to become "<b>" and a
// third to lose it. Real text settles in one or two; past this, angle brackets are dropped.
const MAX_PASSES = 6

/**
 * Markup removed and entities decoded, repeated until the text no longer changes, so that
 * markup smuggled in as entities ("&lt;script&gt;") cannot reappear once decoded, while a
 * plain "a < b & c" survives as it is.
 */
function stripMarkup(text: string): string {
  let current = text
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = sanitizeHtml(current.replace(LINE_BREAKS, '\n'), NO_TAGS).replace(
      ESCAPED_PATTERN,
      (entity) => ESCAPED[entity]!,
    )
    if (next === current) return next
    current = next
  }
  return current.replace(/[<>]/g, '')
}

function clean(text: string): string {
  return stripMarkup(text.replace(/\r\n?/g, '\n').replace(CONTROL, ''))
    .replace(CONTROL, '') // entities such as &#7; decode to control characters
    .replace(LONE_SURROGATE, '')
    .normalize('NFC')
}

/** One line: every run of whitespace (newlines included) becomes a single space. */
export function cleanTitle(text: string): string | null {
  const title = clean(text).replace(/\s+/g, ' ').trim()
  return title === '' ? null : title
}

/** Paragraphs kept: lines trimmed, at most one blank line between paragraphs. */
export function cleanBody(text: string): string | null {
  const body = clean(text)
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
  return body === '' ? null : body
}

/** Characters as PostgreSQL's length() counts them: code points, not UTF-16 units. */
export const characterCount = (text: string) => [...text].length

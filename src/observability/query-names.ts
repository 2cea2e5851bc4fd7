/**
 * A bounded name for a SQL statement, used as a metric label and in the slow-query log. A
 * leading `/* q:name *\/` comment names a query explicitly; otherwise the name is the statement's
 * verb and its main table (`select_books`, `update_users`), with tables limited to the ones
 * Victoria owns, so a label can take only so many values whatever SQL runs. Anything else is
 * `other`.
 */

const NAMED = /^\s*\/\*\s*q:([a-z][a-z0-9_]{0,47})\s*\*\//
const VERBS = ['select', 'insert', 'update', 'delete', 'with'] as const

// Victoria's tables (db/migrations). A table another module adds later falls into `other` until
// it is listed, which keeps cardinality bounded rather than open to whatever a query names.
const TABLES = new Set([
  'authors',
  'series',
  'genres',
  'books',
  'book_authors',
  'book_series',
  'book_genres',
  'users',
  'refresh_tokens',
  'api_keys',
  'schema_migrations',
  'reviews',
  'review_helpful_votes',
  'library_entries',
  'error_groups',
  'error_occurrences',
  'orders',
  'order_items',
  'payments',
  'payment_events',
  'audit_log',
  'recommendations',
])

const MAIN_TABLE: Record<string, RegExp> = {
  select: /\bfrom\s+"?([a-z_]+)"?/i,
  insert: /^\s*insert\s+into\s+"?([a-z_]+)"?/i,
  update: /^\s*update\s+"?([a-z_]+)"?/i,
  delete: /^\s*delete\s+from\s+"?([a-z_]+)"?/i,
}

const cache = new Map<string, string>()
const CACHE_MAX = 2_000

export function queryName(sqlText: string): string {
  const known = cache.get(sqlText)
  if (known) return known
  const name = computeName(sqlText)
  // Kysely compiles the same SQL text for the same query shape, so this stays small; the bound
  // protects against generated SQL with inlined values
  if (cache.size < CACHE_MAX) cache.set(sqlText, name)
  return name
}

function computeName(sqlText: string): string {
  const named = NAMED.exec(sqlText)
  if (named) return named[1]!
  const head = sqlText.trimStart().slice(0, 12).toLowerCase()
  const verb = VERBS.find((v) => head.startsWith(v))
  if (!verb) {
    if (/^(begin|commit|rollback|savepoint|release|start)/.test(head)) return 'transaction'
    if (head.startsWith('set ') || head.startsWith('show ')) return 'session'
    return 'other'
  }
  if (verb === 'with') {
    // a CTE: name it after the statement that follows the last CTE body, roughly its main verb
    const after = /\)\s*(select|insert|update|delete)\b[\s\S]*$/i.exec(sqlText)
    if (!after) return 'other'
    return tableName(after[1]!.toLowerCase(), after[0]!.slice(after[0]!.indexOf(after[1]!)))
  }
  return tableName(verb, sqlText)
}

/** The statement's own FROM clause: the first `from` outside parentheses (not a subquery's). */
function topLevelFrom(text: string): string | null {
  let depth = 0
  let quote: string | null = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      if (c === quote) quote = null
    } else if (c === "'" || c === '"') quote = c
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (
      depth === 0 &&
      (c === 'f' || c === 'F') &&
      /\sfrom\s/i.test(text.slice(i - 1, i + 5))
    ) {
      return text.slice(i - 1)
    }
  }
  return null
}

function tableName(verb: string, text: string): string {
  if (verb === 'select') text = topLevelFrom(text) ?? text
  const match = MAIN_TABLE[verb]?.exec(text)
  const table = match?.[1]?.toLowerCase()
  if (!table) return verb === 'select' ? 'select_expression' : 'other'
  return TABLES.has(table) ? `${verb}_${table}` : `${verb}_other`
}

/** Every name queryName can produce from tables alone (docs, tests). */
export const KNOWN_QUERY_TABLES: ReadonlySet<string> = TABLES

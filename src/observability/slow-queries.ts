import { CompiledQuery, type Kysely } from 'kysely'
import type { DB } from '../db/types.ts'

/**
 * The slow-query log: queries above the threshold, with their name and a plan hint. The hint
 * comes from EXPLAIN (never ANALYZE: nothing runs twice) of the same statement with the same
 * parameters, at most once per query name every few minutes, in the background.
 */

export interface SlowQuery {
  query: string
  durationMs: number
  at: string
  sql: string
  planHint: string | null
  seqScans: string[]
}

interface PlanNode {
  'Node Type'?: string
  'Relation Name'?: string
  'Plan Rows'?: number
  'Total Cost'?: number
  Filter?: string
  Plans?: PlanNode[]
}

const KEEP = 100
const EXPLAIN_EVERY_MS = 5 * 60_000
const SQL_SHOWN = 500
// a sequential scan over fewer rows than this is cheaper than any index
const SEQ_SCAN_ROWS = 1_000

export class SlowQueryLog {
  private readonly entries: SlowQuery[] = []
  private readonly explained = new Map<string, { at: number; hint: string | null; seq: string[] }>()

  constructor(
    private readonly db: Kysely<DB>,
    private readonly thresholdMs: number,
  ) {}

  get threshold() {
    return this.thresholdMs
  }

  /** Called for every query; returns true when it was slow. */
  observe(name: string, sqlText: string, parameters: readonly unknown[], durationMs: number) {
    if (durationMs < this.thresholdMs || name === 'explain') return false
    const known = this.explained.get(name)
    const entry: SlowQuery = {
      query: name,
      durationMs: Math.round(durationMs * 100) / 100,
      at: new Date().toISOString(),
      sql: sqlText.slice(0, SQL_SHOWN),
      planHint: known?.hint ?? null,
      seqScans: known?.seq ?? [],
    }
    this.entries.push(entry)
    if (this.entries.length > KEEP) this.entries.shift()
    if (!known || Date.now() - known.at > EXPLAIN_EVERY_MS) {
      this.explained.set(name, { at: Date.now(), hint: known?.hint ?? null, seq: known?.seq ?? [] })
      void this.explain(name, sqlText, parameters, entry)
    }
    return true
  }

  private async explain(
    name: string,
    sqlText: string,
    parameters: readonly unknown[],
    entry: SlowQuery,
  ) {
    // only reads: EXPLAIN of a write is harmless without ANALYZE, but its plan says little
    if (!/^\s*(\/\*.*?\*\/\s*)?(select|with)\b/is.test(sqlText)) return
    if (/\b(insert|update|delete)\b/i.test(sqlText) && /^\s*with/i.test(sqlText)) return
    try {
      const result = await this.db.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`/* q:explain */ EXPLAIN (FORMAT JSON) ${sqlText}`, [...parameters]),
      )
      const raw = result.rows[0]?.['QUERY PLAN']
      const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[]
      const { hint, seqScans } = planHint(parsed[0]!.Plan)
      this.explained.set(name, { at: Date.now(), hint, seq: seqScans })
      entry.planHint = hint
      entry.seqScans = seqScans
    } catch {
      // the statement may have needed a transaction's state; no hint then
    }
  }

  recent(): SlowQuery[] {
    return [...this.entries].reverse()
  }

  /** One entry per query name: the slowest seen, with its hint (for insights). */
  byName(): SlowQuery[] {
    const worst = new Map<string, SlowQuery>()
    for (const e of this.entries) {
      const seen = worst.get(e.query)
      const hint = this.explained.get(e.query)
      const merged = { ...e, planHint: hint?.hint ?? e.planHint, seqScans: hint?.seq ?? e.seqScans }
      if (!seen || e.durationMs > seen.durationMs) worst.set(e.query, merged)
    }
    return [...worst.values()]
  }

  /** Records a plan as if EXPLAIN had produced it (tests seed measurements this way). */
  seed(entry: SlowQuery) {
    this.entries.push(entry)
    this.explained.set(entry.query, { at: Date.now(), hint: entry.planHint, seq: entry.seqScans })
  }
}

export function planHint(plan: PlanNode): { hint: string | null; seqScans: string[] } {
  const seqScans: string[] = []
  const notes: string[] = []
  const walk = (node: PlanNode) => {
    const rows = node['Plan Rows'] ?? 0
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && rows >= SEQ_SCAN_ROWS) {
      seqScans.push(node['Relation Name'])
      notes.push(
        `sequential scan on ${node['Relation Name']} (~${rows} rows${node.Filter ? `, filter ${node.Filter}` : ''})`,
      )
    }
    if (node['Node Type'] === 'Sort' && rows >= 10 * SEQ_SCAN_ROWS) {
      notes.push(`sorts ~${rows} rows`)
    }
    for (const child of node.Plans ?? []) walk(child)
  }
  walk(plan)
  const top = `${plan['Node Type'] ?? '?'}, cost ${plan['Total Cost'] ?? '?'}`
  return { hint: notes.length > 0 ? `${notes.join('; ')} (${top})` : top, seqScans }
}

import type { Database } from '../../src/db/database.ts'
import type { Stages } from './capture.ts'
import { query } from './catalog.ts'

/** EXPLAIN ANALYZE of the statements Victoria ran for one URL, for the report. */

export interface PlannedStatement {
  sql: string
  params: unknown[]
  planningMs: number
  executionMs: number
  /** tables read whole ("Seq Scan on books"): fine on a small table, linear in a large one */
  seqScans: string[]
  plan: string
}

export async function explainStages(database: Database, stages: Stages) {
  const planned: PlannedStatement[] = []
  for (const q of stages.flat()) {
    const rows = await query(database, `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${q.sql}`, q.params)
    const plan = rows.map((r) => String(r['QUERY PLAN'])).join('\n')
    const time = (label: string) => Number(new RegExp(`${label}: ([\\d.]+) ms`).exec(plan)?.[1])
    planned.push({
      sql: q.sql,
      params: q.params,
      planningMs: time('Planning Time'),
      executionMs: time('Execution Time'),
      seqScans: [...new Set([...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!))],
      plan,
    })
  }
  return planned
}

import type { Database } from '../../src/db/database.ts'
import type { Stages } from './capture.ts'
import { query } from './catalog.ts'

/** EXPLAIN ANALYZE of the statements Victoria ran for one URL, as text, for the report. */
export async function explainStages(database: Database, stages: Stages): Promise<string[]> {
  const plans: string[] = []
  for (const stage of stages) {
    for (const q of stage) {
      const rows = await query(database, `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${q.sql}`, q.params)
      const plan = rows.map((r) => String(r['QUERY PLAN'])).join('\n')
      plans.push(`${q.sql}\n-- params: ${JSON.stringify(q.params)}\n${plan}`)
    }
  }
  return plans
}

import { CompiledQuery as Compiled, type CompiledQuery, type Kysely } from 'kysely'

/** One node of `EXPLAIN (FORMAT JSON)`, with the fields the plan tests read. */
export interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Plans?: PlanNode[]
}

/** The plan's nodes, flattened depth first. */
export const planNodes = (plan: PlanNode): PlanNode[] => [
  plan,
  ...(plan.Plans ?? []).flatMap(planNodes),
]

/** The flattened plan PostgreSQL chooses for `query`, with its parameters. */
export async function explainPlan(
  db: Pick<Kysely<unknown>, 'executeQuery'>,
  query: CompiledQuery<unknown>,
): Promise<PlanNode[]> {
  const result = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
    Compiled.raw(`EXPLAIN (FORMAT JSON) ${query.sql}`, [...query.parameters]),
  )
  const raw = result.rows[0]!['QUERY PLAN']
  // pg parses the json column; PGlite may hand it back as text
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[]
  return planNodes(parsed[0]!.Plan)
}

/** One line per plan for assertion messages: node type, relation and index of each node. */
export const describePlan = (plan: PlanNode[]) =>
  plan
    .map((n) => `${n['Node Type']} ${n['Relation Name'] ?? ''} ${n['Index Name'] ?? ''}`.trim())
    .join(' | ')

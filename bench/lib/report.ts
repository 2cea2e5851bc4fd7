import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Environment } from './environment.ts'
import type { PlannedStatement } from './explain.ts'
import type { Sample } from './load.ts'
import { fmt, fmtRatio } from './stats.ts'

/** The HTTP benchmark's results as JSON (everything) and Markdown (the medians and ratios). */

export const SERVERS = ['victoria', 'victoria-nocache', 'raw-sql', 'ceiling'] as const
export type ServerName = (typeof SERVERS)[number]
export type VictoriaName = 'victoria' | 'victoria-nocache'
export type ReferenceName = 'raw-sql' | 'ceiling'

export const SERVER_LABELS: Record<ServerName, string> = {
  victoria: 'Victoria (response cache on, as shipped)',
  'victoria-nocache': 'Victoria, CACHE_ENABLED=false',
  'raw-sql': 'raw SQL (same SQL, bare driver)',
  ceiling: 'ceiling (node:http, precomputed body)',
}

export interface Ratios {
  /** Victoria ÷ reference, the median of the per-run ratios (each run measures all servers) */
  rps: number
  p50: number
  p99: number
  /** the reference's server CPU per request ÷ Victoria's (null where /proc is missing) */
  cpu: number | null
}

export interface ScenarioResult {
  name: string
  title: string
  urls: number
  /** mean size of Victoria's answers over the scenario's URLs */
  bodyBytes: number
  /** how many SQL statements Victoria ran per request, on average */
  queriesPerRequest: number
  runs: Record<ServerName, Sample[]>
  median: Record<ServerName, Sample>
  ratios: Record<VictoriaName, Record<ReferenceName, Ratios>>
  /** EXPLAIN ANALYZE of the statements behind one of the scenario's URLs, unloaded */
  plans: PlannedStatement[]
}

export interface BenchResult {
  environment: Environment
  settings: {
    engine: string
    postgres?: string
    runs: number
    durationSeconds: number
    warmupSeconds: number
    connections: number
    poolMax: number
    books: number
    /** generated books added to goodbooks-10k (0: the real catalog alone) */
    synthetic: number
    /** when not all scenarios ran */
    scenarios?: string
    /** settings given to the cache-on Victoria with --env */
    env?: Record<string, string>
  }
  scenarios: ScenarioResult[]
}

export const DEFAULT_CONNECTIONS = 50

/** The original design's figures, quoted so every printout sets Victoria against them. */
export const DESIGN_CLAIMS = { bookReadMs: 50, requestsPerSecond: 500 }

export function toMarkdown(result: BenchResult): string {
  const { environment: env, settings: s } = result
  const lines = [
    `# Victoria HTTP benchmark — ${env.date.slice(0, 10)}, ${s.engine}`,
    '',
    `Command: \`npm run bench -- --engine ${s.engine} --runs ${s.runs} --duration ${s.durationSeconds} --connections ${s.connections}${s.synthetic ? ` --synthetic ${s.synthetic}` : ''}${s.scenarios ? ` --scenarios ${s.scenarios}` : ''}${envFlags(s.env)}\``,
    '',
    `Machine: ${env.cpus} × ${env.cpuModel}, Node ${env.node}` +
      (s.postgres ? `, PostgreSQL ${s.postgres}` : ', PGlite (embedded)') +
      `, load average (1/5/15 min) at start ${env.loadAverage.join(' / ')}` +
      (env.loadAverageAfter ? `, at end ${env.loadAverageAfter.join(' / ')}. ` : '. ') +
      `Commit ${env.commit}${env.dirty ? ' (with uncommitted changes in src/)' : ''}.`,
    `Catalog: ${fmt(s.books)} books (goodbooks-10k${s.synthetic ? ` + ${fmt(s.synthetic)} synthetic` : ''}). Pool: ${s.poolMax} connections for Victoria and` +
      ' for the raw-SQL reference. autocannon runs in the benchmark process, on the same 2 cores.',
    `Each figure is the median of ${s.runs} runs of ${s.durationSeconds} s, after a ` +
      `${s.warmupSeconds} s warm-up per server and scenario; in each run every server is measured ` +
      'in turn (order rotated per run). Latencies in ms (autocannon resolves whole milliseconds).',
    '',
    '## Throughput and latency (medians)',
    '',
    '| scenario | server | req/s | p50 | p97.5 | p99 | server CPU µs / request | errors | non-2xx |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const sc of result.scenarios) {
    for (const server of SERVERS) {
      const m = sc.median[server]
      lines.push(
        `| ${server === 'victoria' ? sc.name : ''} | ${SERVER_LABELS[server]} | ${fmt(m.rps)} | ` +
          `${ms(m.p50)} | ${ms(m.p97_5)} | ${ms(m.p99)} | ` +
          `${m.cpuUsPerRequest === null ? '–' : fmt(m.cpuUsPerRequest)} | ` +
          `${fmt(m.errors)} | ${fmt(m.non2xx)} |`,
      )
    }
  }
  lines.push(
    '',
    '## Victoria ÷ reference (median of per-run ratios)',
    '',
    'req/s below 1× means Victoria serves fewer requests than the reference; latency above 1× ' +
      "means it answers slower. CPU efficiency is the reference server's CPU time per request " +
      "divided by Victoria's (below 1×: Victoria does more work per request); it holds steadier " +
      'than req/s on a shared machine, since other work takes turns on the cores but does not ' +
      "add to a server's own CPU time. The raw-SQL server's figure leaves out PostgreSQL's CPU.",
    '',
    '| scenario | Victoria | URLs | body bytes | SQL / request | req/s ÷ raw SQL | p50 ÷ raw SQL | p99 ÷ raw SQL | req/s ÷ ceiling | CPU efficiency ÷ ceiling | p99 ÷ ceiling |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  )
  for (const sc of result.scenarios) {
    for (const v of ['victoria', 'victoria-nocache'] as const) {
      const raw = sc.ratios[v]['raw-sql']
      const top = sc.ratios[v].ceiling
      const first = v === 'victoria'
      // a latency under autocannon's millisecond has no ratio worth printing
      const latency = (ratio: number, key: 'p50' | 'p99', ref: ReferenceName) =>
        sc.median[v][key] === 0 && sc.median[ref][key] <= 1 ? '–' : fmtRatio(ratio)
      lines.push(
        `| ${first ? sc.title : ''} | ${v === 'victoria' ? 'cache on' : 'cache off'} | ` +
          `${first ? sc.urls : ''} | ${first ? fmt(sc.bodyBytes) : ''} | ` +
          `${first ? fmt(sc.queriesPerRequest, 1) : ''} | ` +
          `${fmtRatio(raw.rps)} | ${latency(raw.p50, 'p50', 'raw-sql')} | ` +
          `${latency(raw.p99, 'p99', 'raw-sql')} | ` +
          `${fmtRatio(top.rps)} | ${top.cpu === null ? '–' : fmtRatio(top.cpu)} | ` +
          `${latency(top.p99, 'p99', 'ceiling')} |`,
      )
    }
  }
  lines.push(
    '',
    `## Against the original design (${DESIGN_CLAIMS.bookReadMs} ms book reads, ${DESIGN_CLAIMS.requestsPerSecond} req/s)`,
    '',
    `The design's figures have no stated load; here they meet ${s.connections} concurrent connections. ` +
      'Mean latency is connections ÷ req/s (a closed loop: each connection sends its next request ' +
      'when the answer arrives), which resolves below the millisecond where the percentiles cannot.',
    '',
    `| scenario | Victoria | mean latency | p99 | ${DESIGN_CLAIMS.bookReadMs} ms ÷ p99 | req/s | req/s ÷ ${DESIGN_CLAIMS.requestsPerSecond} |`,
    '|---|---|--:|--:|--:|--:|--:|',
  )
  for (const sc of result.scenarios) {
    for (const v of ['victoria', 'victoria-nocache'] as const) {
      const m = sc.median[v]
      const mean = (s.connections * 1000) / m.rps
      // autocannon's p99 of 0 means under a millisecond: the claim is beaten by more than 50×
      const claim =
        m.p99 >= 1
          ? fmtRatio(DESIGN_CLAIMS.bookReadMs / m.p99)
          : `> ${fmtRatio(DESIGN_CLAIMS.bookReadMs)}`
      lines.push(
        `| ${v === 'victoria' ? sc.name : ''} | ${v === 'victoria' ? 'cache on' : 'cache off'} | ` +
          `${fmt(mean, mean < 10 ? 2 : 0)} ms | ${ms(m.p99)} ms | ${claim} | ` +
          `${fmt(m.rps)} | ${fmtRatio(m.rps / DESIGN_CLAIMS.requestsPerSecond)} |`,
      )
    }
  }
  lines.push(
    '',
    '## Query plans (one URL per scenario, unloaded; full plans in the JSON)',
    '',
    '| scenario | statement | planning ms | execution ms | sequential scans |',
    '|---|---|--:|--:|---|',
  )
  for (const sc of result.scenarios) {
    for (const p of sc.plans) {
      lines.push(
        `| ${sc.name} | \`${abbreviate(p.sql)}\` | ${fmt(p.planningMs, 3)} | ${fmt(p.executionMs, 3)} | ` +
          `${p.seqScans.join(', ')} |`,
      )
    }
  }
  lines.push('')
  return lines.join('\n')
}

const envFlags = (env: Record<string, string> = {}) =>
  Object.entries(env)
    .map(([key, value]) => ` --env ${key}=${value}`)
    .join('')

/** autocannon records whole milliseconds: 0 means the answer took less than one */
const ms = (value: number) => (value === 0 ? '<1' : fmt(value))

/** The statement's shape in a table cell: every parenthesised part folded to (…). */
function abbreviate(sql: string): string {
  let depth = 0
  let text = ''
  for (const char of sql.replace(/\s+/g, ' ').replace(/"/g, '')) {
    if (char === '(' && depth++ === 0) text += '(…)'
    else if (char === ')' && depth > 0) depth--
    else if (depth === 0) text += char
  }
  text = text.replace(/^select .*? from /, 'select … from ')
  return text.length > 140 ? `${text.slice(0, 139)}…` : text
}

export async function writeResult(dir: string, result: BenchResult): Promise<string> {
  await mkdir(dir, { recursive: true })
  const { engine, connections } = result.settings
  // the default load on the real catalog keeps the plain name; other settings sit beside it
  const suffix =
    (connections === DEFAULT_CONNECTIONS ? '' : `-c${connections}`) +
    (result.settings.synthetic ? `-s${result.settings.synthetic}` : '') +
    (result.settings.scenarios ? `-${result.settings.scenarios.replaceAll(',', '-')}` : '') +
    envFlags(result.settings.env).replaceAll(' --env ', '-').replaceAll('=', '')
  const name = `${result.environment.date.slice(0, 10)}-${engine}${suffix}`
  // a second run of the same settings on the same day goes beside the first, not over it
  let base = join(dir, name)
  for (let n = 2; existsSync(`${base}.json`); n++) base = join(dir, `${name}-${n}`)
  await writeFile(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`)
  await writeFile(`${base}.md`, toMarkdown(result))
  return `${base}.md`
}

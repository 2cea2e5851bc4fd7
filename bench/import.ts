import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Engine } from '../src/db/database.ts'
import { importGoodbooks } from '../src/import/goodbooks-import.ts'
import { importSynthetic } from '../src/import/synthetic.ts'
import { intFlag, parseArgs } from './lib/args.ts'
import { type Catalog, createCatalog } from './lib/catalog.ts'
import { onCleanup, runMain } from './lib/cleanup.ts'
import { copyFloor, tableRows } from './lib/copy-floor.ts'
import { describeEnvironment, describeLoad } from './lib/environment.ts'
import { GOODBOOKS_DIR, RESULTS_DIR } from './lib/paths.ts'
import { DEFAULT_ADMIN_URL, postgresReachable } from './lib/postgres.ts'
import { fmt, fmtRatio, fmtSeconds, median } from './lib/stats.ts'

/**
 * `npm run bench:import`: the goodbooks-10k import on PostgreSQL and PGlite, and synthetic books
 * on PostgreSQL, each into a fresh migrated database per run. Reference, in the same run and
 * database: copying the imported rows table to table inside the database (lib/copy-floor.ts).
 * Options: --runs 3 --synthetic 100000 (0 skips) --synthetic-runs <runs>
 *          --engines postgres,pglite (where goodbooks is imported; none skips it)
 */

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    synthetic: { type: 'string' },
    'synthetic-runs': { type: 'string' },
    engines: { type: 'string', default: 'postgres,pglite' },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
    'no-write': { type: 'boolean', default: false },
  },
})
const runs = intFlag(values, 'runs', 3, 1, 20)
const synthetic = intFlag(values, 'synthetic', 100_000, 0, 10_000_000)
const syntheticRuns = intFlag(values, 'synthetic-runs', runs, 1, 20)
// --engines none: synthetic books only
const engines = values.engines!.split(',').filter((e) => e && e !== 'none') as Engine[]
for (const e of engines) if (e !== 'postgres' && e !== 'pglite') throw new Error(`engine ${e}?`)
const adminUrl = values['admin-url']!

const log = (line: string) => process.stdout.write(`${line}\n`)

interface ImportRun {
  ms: number
  books: number
  rows: number
  copyMs: number
}

interface Case {
  label: string
  engine: Engine
  runs: ImportRun[]
}

/** One import into a fresh migrated database, then the in-database copy of what it wrote. */
async function once(engine: Engine, work: (catalog: Catalog) => Promise<unknown>) {
  const catalog = await createCatalog(engine, adminUrl, { seed: false, analyze: false })
  // also on Ctrl-C; both steps are safe to repeat
  onCleanup('remove the scratch catalog', async () => {
    await catalog.close()
    await catalog.remove()
  })
  try {
    const started = performance.now()
    await work(catalog)
    const ms = performance.now() - started
    const counts = await tableRows(catalog.database)
    const floor = await copyFloor(catalog.database)
    const run: ImportRun = {
      ms,
      books: counts.get('books') ?? 0,
      rows: floor.rows,
      copyMs: floor.ms,
    }
    return run
  } finally {
    await catalog.close()
    await catalog.remove()
  }
}

async function measureCase(
  label: string,
  engine: Engine,
  count: number,
  work: (catalog: Catalog) => Promise<unknown>,
): Promise<Case> {
  const result: Case = { label, engine, runs: [] }
  for (let run = 1; run <= count; run++) {
    const r = await once(engine, work)
    result.runs.push(r)
    log(
      `${label} on ${engine}, run ${run}/${count}: ${fmtSeconds(r.ms)} for ${fmt(r.books)} books ` +
        `(${fmt(r.rows)} rows, ${fmt(r.rows / (r.ms / 1000))} rows/s); in-database copy ${fmtSeconds(r.copyMs)}`,
    )
  }
  return result
}

async function main() {
  const environment = describeEnvironment()
  const postgresUp = await postgresReachable(adminUrl)
  const cases: Case[] = []
  for (const engine of engines) {
    if (engine === 'postgres' && !postgresUp) {
      log('PostgreSQL is not reachable on 127.0.0.1:5432: skipping its cases')
      continue
    }
    cases.push(
      await measureCase('goodbooks-10k', engine, runs, (c) =>
        importGoodbooks(c.database, { dir: GOODBOOKS_DIR }),
      ),
    )
  }
  if (synthetic > 0 && postgresUp) {
    cases.push(
      await measureCase(`synthetic ${fmt(synthetic)}`, 'postgres', syntheticRuns, (c) =>
        importSynthetic(c.database, { count: synthetic, seed: 1 }),
      ),
    )
  }

  const lines = [
    `# Victoria import — ${environment.date.slice(0, 10)}`,
    '',
    `Command: \`npm run bench:import -- --runs ${runs} --synthetic ${synthetic} --synthetic-runs ${syntheticRuns} --engines ${engines.join(',') || 'none'}\``,
    '',
    `Machine: ${environment.cpus} × ${environment.cpuModel}, Node ${environment.node}, ` +
      `${describeLoad(environment)}. Commit ${environment.commit}` +
      `${environment.dirty ? ' (with uncommitted changes in src/)' : ''}.`,
    'Each run imports into a fresh, migrated, empty database (PGlite: a data dir on disk, as in ' +
      'embedded mode). Rows: every row the import left in any table. Reference: the same rows ' +
      'copied table to table inside the same database (INSERT … SELECT into twins with the same ' +
      'checks and indexes, no foreign keys or triggers), measured right after each import. Medians.',
    '',
    '| import | engine | runs | books | rows | time | books/s | rows/s | in-database copy | import ÷ copy |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const c of cases) {
    const m = (f: (r: ImportRun) => number) => median(c.runs.map(f))
    lines.push(
      `| ${c.label} | ${c.engine} | ${c.runs.length} | ${fmt(m((r) => r.books))} | ` +
        `${fmt(m((r) => r.rows))} | ${fmtSeconds(m((r) => r.ms))} | ` +
        `${fmt(m((r) => r.books / (r.ms / 1000)))} | ${fmt(m((r) => r.rows / (r.ms / 1000)))} | ` +
        `${fmtSeconds(m((r) => r.copyMs))} | ${fmtRatio(m((r) => r.ms / r.copyMs))} |`,
    )
  }
  lines.push('')
  const markdown = lines.join('\n')
  log(`\n${markdown}`)
  if (!values['no-write']) {
    // a synthetic-only run (--engines none) gets a file of its own beside the full one
    const suffix = engines.length === 0 ? `-synthetic-${synthetic}` : ''
    const base = join(RESULTS_DIR, `${environment.date.slice(0, 10)}-import${suffix}`)
    await writeFile(`${base}.json`, `${JSON.stringify({ environment, cases }, null, 2)}\n`)
    await writeFile(`${base}.md`, markdown)
    log(`written: ${base}.md (+ .json)`)
  }
}

await runMain(main)

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { intFlag, parseArgs } from './lib/args.ts'
import { onCleanup, runMain } from './lib/cleanup.ts'
import { directoryBytes } from './lib/disk.ts'
import { describeEnvironment, describeLoad } from './lib/environment.ts'
import { CEILING_SERVER, PGLITE_OPEN, RESULTS_DIR, SOURCE_SERVER } from './lib/paths.ts'
import { type ChildServer, freePort, startTsx, waitFor } from './lib/processes.ts'
import { fmt, fmtRatio, fmtSeconds, median } from './lib/stats.ts'

/**
 * `npm run bench:boot`: how long embedded mode takes from `tsx src/server.ts` to serving real
 * books. Cold: a fresh empty VICTORIA_DATA_DIR (migrate + import goodbooks-10k). Warm: the same
 * data dir again. References, in the same run: `tsx` starting a bare node:http server (the floor
 * any TypeScript server started this way pays), and that server opening the warm data dir with
 * PGlite first (the floor of a warm embedded start). Options: --runs 3 --timeout 300 --no-write
 * Victoria is run from source here, like its references; `npm start` runs the compiled dist/,
 * which skips tsx's own start-up (the first reference's figure is most of that).
 */

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    timeout: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
})
const runs = intFlag(values, 'runs', 3, 1, 20)
const timeoutMs = intFlag(values, 'timeout', 300, 10, 3_600) * 1_000

const READY_PATH = '/api/books?genre=fantasy'
const servesBooks = (status: number, body: string) => {
  if (status !== 200) return false
  try {
    return (JSON.parse(body) as { items?: unknown[] }).items?.length !== 0
  } catch {
    return false
  }
}

const log = (line: string) => process.stdout.write(`${line}\n`)

interface BootRun {
  referenceMs: number
  pgliteOpenMs: number
  coldMs: number
  warmMs: number
  /** SIGTERM to exit of the warm instance, idle (nothing to drain) */
  stopMs: number
  dataDirBytes: number
}

/** Starts `script`, measures until `accept`, stops it; the child never outlives the call. */
async function timeBoot(
  name: string,
  script: string,
  env: Record<string, string>,
  path: string,
  accept: (status: number, body: string) => boolean,
): Promise<{ ms: number; stopMs: number }> {
  const port = await freePort()
  const since = performance.now()
  const server: ChildServer = startTsx(name, script, port, env)
  try {
    const ms = await waitFor(server, path, accept, { timeoutMs, intervalMs: 20, since })
    const stopping = performance.now()
    await server.stop()
    return { ms, stopMs: performance.now() - stopping }
  } finally {
    await server.stop()
  }
}

async function main() {
  const environment = describeEnvironment()
  const work = await mkdtemp(join(tmpdir(), 'victoria-bench-boot-'))
  onCleanup('delete data dirs', () => rm(work, { recursive: true, force: true }))
  const fixture = join(work, 'bodies.json')
  await writeFile(fixture, JSON.stringify({ '/': '{}' }))
  // production requires a JWT secret; any fixed one serves a benchmark
  const common = {
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'bench-only-secret-of-at-least-32-chars',
  }

  const results: BootRun[] = []
  for (let run = 1; run <= runs; run++) {
    const dataDir = join(work, `data-${run}`)
    const victoriaEnv = { ...common, VICTORIA_DATA_DIR: dataDir }
    const reference = await timeBoot(
      'tsx + node:http',
      CEILING_SERVER,
      { ...common, FIXTURE: fixture },
      '/',
      (status) => status === 200,
    )
    const cold = await timeBoot(
      'victoria (cold)',
      SOURCE_SERVER,
      victoriaEnv,
      READY_PATH,
      servesBooks,
    )
    const dataDirBytes = await directoryBytes(dataDir)
    const warm = await timeBoot(
      'victoria (warm)',
      SOURCE_SERVER,
      victoriaEnv,
      READY_PATH,
      servesBooks,
    )
    const pgliteOpen = await timeBoot(
      'tsx + PGlite open',
      PGLITE_OPEN,
      { ...common, PGLITE_DIR: dataDir },
      '/',
      servesBooks,
    )
    await rm(dataDir, { recursive: true, force: true })
    const r = {
      referenceMs: reference.ms,
      pgliteOpenMs: pgliteOpen.ms,
      coldMs: cold.ms,
      warmMs: warm.ms,
      stopMs: warm.stopMs,
      dataDirBytes,
    }
    results.push(r)
    log(
      `run ${run}/${runs}: reference ${fmtSeconds(r.referenceMs)}, PGlite open ${fmtSeconds(r.pgliteOpenMs)}, cold ${fmtSeconds(r.coldMs)}, ` +
        `warm ${fmtSeconds(r.warmMs)}, stop ${fmt(r.stopMs)} ms, data dir ${fmt(dataDirBytes / 2 ** 20, 1)} MiB`,
    )
  }

  const m = (key: keyof BootRun) => median(results.map((r) => r[key]))
  type Timing = 'referenceMs' | 'pgliteOpenMs' | 'coldMs' | 'warmMs'
  const ratio = (key: Timing, by: Timing) => median(results.map((r) => r[key] / r[by]))
  const markdown = [
    `# Victoria embedded boot — ${environment.date.slice(0, 10)}`,
    '',
    `Command: \`npm run bench:boot -- --runs ${runs}\``,
    '',
    `Machine: ${environment.cpus} × ${environment.cpuModel}, Node ${environment.node}, ` +
      `${describeLoad(environment)}. Commit ${environment.commit}` +
      `${environment.dirty ? ' (with uncommitted changes in src/)' : ''}.`,
    `Time from spawning \`tsx src/server.ts\` until \`GET ${READY_PATH}\` answers 200 with ` +
      `books (polled every 20 ms); medians of ${runs} runs.`,
    '',
    '| start | median | ÷ bare tsx + http | ÷ tsx + PGlite open |',
    '|---|--:|--:|--:|',
    `| reference: \`tsx\` + bare node:http server | ${fmtSeconds(m('referenceMs'))} | 1× | |`,
    `| reference: \`tsx\` + PGlite opens the warm data dir + node:http | ${fmtSeconds(m('pgliteOpenMs'))} | ${fmtRatio(ratio('pgliteOpenMs', 'referenceMs'))} | 1× |`,
    `| Victoria cold: empty data dir, migrate + import 10k books | ${fmtSeconds(m('coldMs'))} | ${fmtRatio(ratio('coldMs', 'referenceMs'))} | |`,
    `| Victoria warm: same data dir again | ${fmtSeconds(m('warmMs'))} | ${fmtRatio(ratio('warmMs', 'referenceMs'))} | ${fmtRatio(ratio('warmMs', 'pgliteOpenMs'))} |`,
    '',
    `Idle shutdown (SIGTERM to exit): ${fmt(m('stopMs'))} ms. Data dir after import: ` +
      `${fmt(m('dataDirBytes') / 2 ** 20, 1)} MiB.`,
    '',
  ].join('\n')
  log(`\n${markdown}`)
  if (!values['no-write']) {
    const base = join(RESULTS_DIR, `${environment.date.slice(0, 10)}-boot`)
    await writeFile(`${base}.json`, `${JSON.stringify({ environment, runs: results }, null, 2)}\n`)
    await writeFile(`${base}.md`, markdown)
    log(`written: ${base}.md (+ .json)`)
  }
}

await runMain(main)

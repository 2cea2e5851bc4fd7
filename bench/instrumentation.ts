import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../src/config.ts'
import type { Database } from '../src/db/database.ts'
import { Observability } from '../src/observability/observability.ts'
import { insertBookWithAuthor } from '../test/helpers/catalog.ts'
import { intFlag, LOAD_BENCH_OPTIONS, parseArgs } from './lib/args.ts'
import { createCatalog } from './lib/catalog.ts'
import { onCleanup, runMain } from './lib/cleanup.ts'
import { describeEnvironment, describeLoad } from './lib/environment.ts'
import { measureWithCpu, type Sample } from './lib/load.ts'
import { RESULTS_DIR } from './lib/paths.ts'
import { chooseEngine, serverVersion } from './lib/postgres.ts'
import { buildVictoria, freePort, startVictoria, waitFor } from './lib/processes.ts'
import { fmt, median, ratio } from './lib/stats.ts'
import { VICTORIA_BENCH_ENV } from './lib/victoria-env.ts'

/**
 * `npm run bench:instrumentation`: what observability costs on the cheapest request, a cached
 * GET /api/books/:id. Two Victoria processes on the same catalog, one with METRICS_ENABLED=true
 * (request histograms, rolling windows, query timings, history sampling, alert evaluation) and
 * one with it off, measured in alternation in the same run; the overhead is 1 − on ÷ off of the
 * throughput, per round, and its median is reported. Options: --engine postgres|pglite
 * --runs 5 --duration 10 --connections 10 --warmup 3 --no-write
 */

const { values } = parseArgs({
  options: {
    ...LOAD_BENCH_OPTIONS,
  },
})
const runs = intFlag(values, 'runs', 5, 3, 30)
const durationSeconds = intFlag(values, 'duration', 10, 1, 300)
const connections = intFlag(values, 'connections', 10, 1, 256)
const warmupSeconds = intFlag(values, 'warmup', 3, 0, 60)
const adminUrl = values['admin-url']!
const log = (line: string) => process.stdout.write(`${line}\n`)

/**
 * The bookkeeping a request costs, timed in this process: Observability.recordRequest (request
 * histogram, rolling windows, history interval), the per-request work the hooks do, in ns.
 * Resolves a difference the A/B rounds cannot on a shared, loaded machine.
 */
function bookkeepingNs(database: Database): number {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'x'.repeat(40),
    ALERTS_INTERVAL_MS: '0',
  })
  const quiet = { warn() {}, info() {} }
  const o = new Observability({
    config,
    database,
    release: 'bench',
    log: quiet,
    cache: () => undefined,
  })
  const rounds: number[] = []
  for (let round = 0; round < 5; round++) {
    const n = 200_000
    const started = performance.now()
    for (let i = 0; i < n; i++)
      o.recordRequest('GET', '/api/books/:id', 200, 0.4 + (i % 9) * 0.1, 'HIT')
    rounds.push(((performance.now() - started) * 1e6) / n)
  }
  o.system.stop()
  return median(rounds)
}

async function main() {
  const engine = await chooseEngine(values.engine, adminUrl)
  const environment = describeEnvironment()
  log(
    `engine ${engine}; ${runs} rounds × 2 servers, ${durationSeconds} s each, ${connections} connections`,
  )

  const catalog = await createCatalog(engine, adminUrl, { seed: false })
  onCleanup('remove the database', () => catalog.remove())
  onCleanup('close the database', () => catalog.close())
  const bookId = await insertBookWithAuthor(
    catalog.database.db,
    { title: 'The Instrumented Book' },
    { name: 'Bench Author', slug: 'bench-author' },
  )
  const postgres = engine === 'postgres' ? await serverVersion(adminUrl) : undefined
  const perRequestNs = bookkeepingNs(catalog.database)
  log(`bookkeeping per request (in process): ${fmt(perRequestNs)} ns`)
  await catalog.close()
  const second = await catalog.share()

  await buildVictoria()
  const common = VICTORIA_BENCH_ENV
  const servers = {
    on: startVictoria('metrics on', await freePort(), {
      ...common,
      ...catalog.env,
      METRICS_ENABLED: 'true',
    }),
    off: startVictoria('metrics off', await freePort(), {
      ...common,
      ...second.victoria,
      METRICS_ENABLED: 'false',
    }),
  }
  for (const server of Object.values(servers)) {
    onCleanup(`stop ${server.name}`, () => server.stop())
    await waitFor(server, '/health/ready', (status) => status === 200)
    const first = await fetch(`${server.baseUrl}/api/books/${bookId}`)
    if (first.status !== 200)
      throw new Error(`${server.name}: GET /api/books/${bookId} ${first.status}`)
  }
  const paths = [`/api/books/${bookId}`]
  const load = (name: keyof typeof servers, seconds: number) =>
    measureWithCpu(servers[name].child.pid!, {
      baseUrl: servers[name].baseUrl,
      paths,
      connections,
      durationSeconds: seconds,
    })

  if (warmupSeconds > 0) {
    log(`warm-up ${warmupSeconds} s per server…`)
    await load('on', warmupSeconds)
    await load('off', warmupSeconds)
  }
  const samples: Record<'on' | 'off', Sample[]> = { on: [], off: [] }
  for (let run = 1; run <= runs; run++) {
    // alternate who goes first, so drift in the machine's load does not favour one side
    const order: ('on' | 'off')[] = run % 2 === 1 ? ['on', 'off'] : ['off', 'on']
    for (const name of order) samples[name].push(await load(name, durationSeconds))
    const on = samples.on.at(-1)!
    const off = samples.off.at(-1)!
    log(
      `round ${run}/${runs}: on ${fmt(on.rps)} req/s p99 ${on.p99} ms; off ${fmt(off.rps)} req/s p99 ${off.p99} ms; overhead ${fmt((1 - on.rps / off.rps) * 100, 1)} %`,
    )
  }
  const failures = [...samples.on, ...samples.off].reduce(
    (n, s) => n + s.errors + s.timeouts + s.non2xx,
    0,
  )
  const overheads = samples.on.map((s, i) => 1 - ratio(s.rps, samples.off[i]!.rps))
  const overhead = median(overheads)
  const med = (name: 'on' | 'off', key: Exclude<keyof Sample, 'cpuUsPerRequest'>) =>
    median(samples[name].map((s) => s[key]))
  // server CPU per request: steadier than req/s on a shared machine (bench/README.md)
  const cpu = (name: 'on' | 'off') =>
    median(samples[name].map((s) => s.cpuUsPerRequest ?? Number.NaN))
  const cpuOverheads = samples.on.map(
    (s, i) =>
      ratio(s.cpuUsPerRequest ?? Number.NaN, samples.off[i]!.cpuUsPerRequest ?? Number.NaN) - 1,
  )
  // one Node process serves on one core: its time per request at the measured rate
  const perRequestBudgetNs = 1e9 / med('off', 'rps')
  const markdown = [
    `# Instrumentation overhead — ${environment.date.slice(0, 10)}, ${engine}`,
    '',
    `Command: \`npm run bench:instrumentation -- --engine ${engine} --runs ${runs} --duration ${durationSeconds} --connections ${connections}\``,
    '',
    `Machine: ${environment.cpus} × ${environment.cpuModel}, Node ${environment.node}` +
      (postgres ? `, PostgreSQL ${postgres}` : ', PGlite (embedded)') +
      `, ${describeLoad(environment)}. Commit ${environment.commit}${environment.dirty ? ' (with uncommitted changes in src/)' : ''}.`,
    'Two Victoria processes (`node dist/server.js`, as `npm start`; NODE_ENV=production) on the same catalog, ' +
      'METRICS_ENABLED=true and false, measured one after the other in each round (order ' +
      'alternating), cached `GET /api/books/:id` (X-Cache: HIT) under autocannon.',
    '',
    '| METRICS_ENABLED | req/s (median) | p50 ms | p99 ms | server CPU µs / request |',
    '|---|--:|--:|--:|--:|',
    `| true | ${fmt(med('on', 'rps'))} | ${fmt(med('on', 'p50'))} | ${fmt(med('on', 'p99'))} | ${fmt(cpu('on'))} |`,
    `| false | ${fmt(med('off', 'rps'))} | ${fmt(med('off', 'p50'))} | ${fmt(med('off', 'p99'))} | ${fmt(cpu('off'))} |`,
    '',
    `CPU cost of instrumentation (median of per-round on ÷ off − 1, server CPU per request): ` +
      `**${fmt(median(cpuOverheads) * 100, 1)} %** (rounds: ${cpuOverheads.map((o) => `${fmt(o * 100, 1)} %`).join(', ')}).`,
    '',
    `Throughput cost of instrumentation (median of per-round 1 − on ÷ off): **${fmt(overhead * 100, 1)} %** ` +
      `(rounds: ${overheads.map((o) => `${fmt(o * 100, 1)} %`).join(', ')}). Target: < 5 %.`,
    '',
    `In-process bookkeeping per request (Observability.recordRequest, median of 5 × 200,000 calls ` +
      `in the benchmark process): ${fmt(perRequestNs)} ns, ${fmt((perRequestNs / perRequestBudgetNs) * 100, 2)} % of ` +
      `the ${fmt(perRequestBudgetNs / 1000)} µs a cached read takes at the uninstrumented rate.`,
    '',
    `Failed requests (errors, timeouts, non-2xx): ${fmt(failures)}.`,
    '',
  ].join('\n')
  log(`\n${markdown}`)
  if (failures > 0) throw new Error(`${failures} failed requests; the figures are not cached reads`)
  if (!values['no-write']) {
    const base = join(RESULTS_DIR, `${environment.date.slice(0, 10)}-instrumentation-${engine}`)
    await writeFile(
      `${base}.json`,
      `${JSON.stringify({ environment, engine, postgres, runs, durationSeconds, connections, samples, overheads, cpuOverheads, perRequestNs }, null, 2)}\n`,
    )
    await writeFile(`${base}.md`, markdown)
    log(`written: ${base}.md (+ .json)`)
  }
}

await runMain(main)

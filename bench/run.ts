import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { intFlag, LOAD_BENCH_OPTIONS, parseArgs } from './lib/args.ts'
import { RequestRecorder, type Stages } from './lib/capture.ts'
import { createCatalog, query } from './lib/catalog.ts'
import { onCleanup, runMain } from './lib/cleanup.ts'
import { describeEnvironment } from './lib/environment.ts'
import { explainStages, type PlannedStatement } from './lib/explain.ts'
import { measureWithCpu, type Sample } from './lib/load.ts'
import { CEILING_SERVER, RAW_SQL_SERVER, RESULTS_DIR } from './lib/paths.ts'
import { chooseEngine, serverVersion } from './lib/postgres.ts'
import {
  buildVictoria,
  type ChildServer,
  freePort,
  startTsx,
  startVictoria,
  waitFor,
} from './lib/processes.ts'
import {
  type BenchResult,
  DEFAULT_CONNECTIONS,
  type Ratios,
  type ReferenceName,
  type ScenarioResult,
  SERVERS,
  type ServerName,
  toMarkdown,
  type VictoriaName,
  writeResult,
} from './lib/report.ts'
import { chooseScenarios, SCENARIO_NAMES, type ScenarioName } from './lib/scenarios.ts'
import { fmt, median } from './lib/stats.ts'
import { VICTORIA_BENCH_ENV } from './lib/victoria-env.ts'

/**
 * `npm run bench`: Victoria's catalog reads under autocannon, side by side with two reference
 * servers measured in the same run (see bench/README.md). Options:
 *   --engine postgres|pglite   default: postgres when 127.0.0.1:5432 answers
 *   --runs 3 --duration 10 --connections 50 --warmup 3
 *   --scenarios book,genre,author,isbn,walk   --pool <DB_POOL_MAX>   --no-write
 *   --synthetic N   adds N generated books to the goodbooks catalog (scaling)
 *   --env KEY=VALUE (repeatable) a setting for the cache-on Victoria, e.g. CACHE_VALIDATED_MAX_MB=0
 */

const { values } = parseArgs({
  options: {
    ...LOAD_BENCH_OPTIONS,
    scenarios: { type: 'string' },
    pool: { type: 'string' },
    synthetic: { type: 'string' },
    // KEY=VALUE settings for the cache-on Victoria (A/B runs of a cache setting)
    env: { type: 'string', multiple: true },
  },
})
const extraEnv = Object.fromEntries(
  (values.env ?? []).map((pair) => {
    const at = pair.indexOf('=')
    if (at < 1) throw new Error(`--env wants KEY=VALUE, got ${pair}`)
    return [pair.slice(0, at), pair.slice(at + 1)]
  }),
)

const victoriaDefaults = loadConfig({})
const runs = intFlag(values, 'runs', 3, 1, 20)
const durationSeconds = intFlag(values, 'duration', 10, 1, 300)
const warmupSeconds = intFlag(values, 'warmup', 3, 0, 60)
const connections = intFlag(values, 'connections', DEFAULT_CONNECTIONS, 1, 1000)
const poolMax = intFlag(values, 'pool', victoriaDefaults.DB_POOL_MAX, 1, 200)
const synthetic = intFlag(values, 'synthetic', 0, 0, 10_000_000)
const adminUrl = values['admin-url']!
const wanted = (values.scenarios?.split(',') ?? [...SCENARIO_NAMES]) as ScenarioName[]
for (const name of wanted) {
  if (!SCENARIO_NAMES.includes(name)) throw new Error(`unknown scenario ${name}`)
}

const log = (line: string) => process.stdout.write(`${line}\n`)

// written by node:http itself for each answer or connection
const PER_CONNECTION_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
])

async function main() {
  const engine = await chooseEngine(values.engine, adminUrl)
  const environment = describeEnvironment()
  const perRun = wanted.length * SERVERS.length * (durationSeconds + warmupSeconds / runs)
  log(`engine ${engine}; ${runs} runs × ${wanted.length} scenarios × ${SERVERS.length} servers`)
  log(`about ${Math.ceil((runs * perRun) / 60)} min of load after setup`)

  log(
    `preparing a fresh catalog (migrate + goodbooks import${synthetic ? ` + ${fmt(synthetic)} synthetic books` : ''})…`,
  )
  const catalog = await createCatalog(engine, adminUrl, { seed: true, synthetic })
  onCleanup('remove the catalog', () => catalog.remove())
  onCleanup('close the catalog', () => catalog.close())
  const books = Number((await query(catalog.database, 'SELECT count(*) AS n FROM books'))[0]?.n)
  const postgres = engine === 'postgres' ? await serverVersion(adminUrl) : undefined

  log('choosing URLs and recording the SQL Victoria runs for each…')
  const recorder = new RequestRecorder(catalog.database)
  await recorder.start()
  const scenarios = await chooseScenarios(catalog.database, recorder, wanted)
  await recorder.stop()
  // the plans of one URL per scenario (the second: the first of a walk has no cursor)
  const plans = new Map<string, PlannedStatement[]>()
  for (const sc of scenarios) {
    const path = sc.paths[1] ?? sc.paths[0]!
    plans.set(sc.name, await explainStages(catalog.database, recorder.captured.get(path)!.stages))
  }
  await catalog.close()

  const work = await mkdtemp(join(tmpdir(), 'victoria-bench-run-'))
  onCleanup('delete fixtures', () => rm(work, { recursive: true, force: true }))
  const sqlFixture = join(work, 'sql.json')
  const stages: Record<string, Stages> = {}
  for (const sc of scenarios) for (const p of sc.paths) stages[p] = recorder.captured.get(p)!.stages
  await writeFile(sqlFixture, JSON.stringify(stages))

  const servers = {} as Record<ServerName, ChildServer>
  // Victoria runs compiled, as `npm start` does; the references are run by tsx as they are
  const start = async (name: ServerName, script: string | null, env: Record<string, string>) => {
    const port = await freePort()
    const serverEnv = { ...VICTORIA_BENCH_ENV, ...env }
    const server = script
      ? startTsx(name, script, port, serverEnv)
      : startVictoria(name, port, serverEnv)
    onCleanup(`stop ${name}`, () => server.stop())
    servers[name] = server
    return server
  }

  // every server gets its own copy of an embedded catalog, made before any of them opens it
  const nocacheCatalog = await catalog.share()
  const rawCatalog = await catalog.share()
  const victoriaEnv = { ...catalog.env, DB_POOL_MAX: String(poolMax) }

  log('starting Victoria twice (node dist/server.js), response cache on and off…')
  await buildVictoria()
  const victoria = await start('victoria', null, { ...victoriaEnv, ...extraEnv })
  const nocache = await start('victoria-nocache', null, {
    ...victoriaEnv,
    ...nocacheCatalog.victoria,
    CACHE_ENABLED: 'false',
  })
  for (const v of [victoria, nocache]) {
    await waitFor(v, '/health/ready', (status) => status === 200)
  }
  // the ceiling answers exactly what the live Victoria answers, byte for byte
  const bodies: Record<string, string> = {}
  // the headers too: the ceiling sends the very response, not just its body (a cached answer's
  // ETag, cache, rate-limit and security headers are bytes every server must write)
  const answers: Record<string, { body: string; headers: Record<string, string> }> = {}
  for (const sc of scenarios) {
    for (const p of sc.paths) {
      const response = await fetch(`${victoria.baseUrl}${p}`)
      bodies[p] = await response.text()
      const headers: Record<string, string> = {}
      for (const [name, value] of response.headers) {
        if (!PER_CONNECTION_HEADERS.has(name)) headers[name] = value
      }
      answers[p] = { body: bodies[p], headers }
      if (response.status !== 200) throw new Error(`Victoria answered ${response.status} to ${p}`)
    }
  }
  const bodyFixture = join(work, 'bodies.json')
  await writeFile(bodyFixture, JSON.stringify(answers))

  log('starting the reference servers…')
  const raw = await start('raw-sql', RAW_SQL_SERVER, {
    ...rawCatalog.driver,
    FIXTURE: sqlFixture,
    POOL_MAX: String(poolMax),
  })
  const ceiling = await start('ceiling', CEILING_SERVER, { FIXTURE: bodyFixture })
  const first = scenarios[0]!.paths[0]!
  await waitFor(raw, first, (status) => status === 200)
  await waitFor(ceiling, first, (status) => status === 200)

  const load = (server: ServerName, paths: string[], seconds: number) =>
    measureWithCpu(servers[server].child.pid!, {
      baseUrl: servers[server].baseUrl,
      paths,
      connections,
      durationSeconds: seconds,
    })

  if (warmupSeconds > 0) {
    log(`warm-up: ${warmupSeconds} s per server and scenario`)
    for (const sc of scenarios) for (const s of SERVERS) await load(s, sc.paths, warmupSeconds)
  }

  const samples = new Map<string, Record<ServerName, Sample[]>>()
  for (const sc of scenarios) {
    samples.set(
      sc.name,
      Object.fromEntries(SERVERS.map((s) => [s, [] as Sample[]])) as Record<ServerName, Sample[]>,
    )
  }
  for (let run = 0; run < runs; run++) {
    // rotating the order spreads any drift in the machine's load over all servers alike
    const order = SERVERS.map((_, i) => SERVERS[(i + run) % SERVERS.length]!)
    for (const sc of scenarios) {
      for (const server of order) {
        const sample = await load(server, sc.paths, durationSeconds)
        samples.get(sc.name)![server].push(sample)
        log(
          `run ${run + 1}/${runs} ${sc.name.padEnd(6)} ${server.padEnd(16)} ` +
            `${fmt(sample.rps).padStart(7)} req/s  p50 ${sample.p50} ms  p99 ${sample.p99} ms` +
            (sample.cpuUsPerRequest === null
              ? ''
              : `  ${fmt(sample.cpuUsPerRequest)} µs CPU/request`) +
            (sample.errors + sample.non2xx > 0
              ? `  errors ${sample.errors} non-2xx ${sample.non2xx}`
              : ''),
        )
      }
    }
  }

  const results: ScenarioResult[] = scenarios.map((sc) => {
    const byServer = samples.get(sc.name)!
    const medianOf = (s: ServerName): Sample => {
      const m = (k: Exclude<keyof Sample, 'cpuUsPerRequest'>) =>
        median(byServer[s].map((x) => x[k]))
      return {
        rps: m('rps'),
        p50: m('p50'),
        p97_5: m('p97_5'),
        p99: m('p99'),
        requests: m('requests'),
        errors: m('errors'),
        timeouts: m('timeouts'),
        non2xx: m('non2xx'),
        cpuUsPerRequest: byServer[s].some((x) => x.cpuUsPerRequest === null)
          ? null
          : median(byServer[s].map((x) => x.cpuUsPerRequest!)),
      }
    }
    const ratios = (v: VictoriaName, ref: ReferenceName): Ratios => {
      const pair = (key: 'rps' | 'p50' | 'p99') =>
        median(byServer[v].map((x, i) => x[key] / Math.max(byServer[ref][i]![key], 1)))
      // the reference's CPU per request over Victoria's: like req/s, below 1× is more work
      const efficiency = byServer[v].map((x, i) => {
        const mine = x.cpuUsPerRequest
        const theirs = byServer[ref][i]!.cpuUsPerRequest
        return mine && theirs ? theirs / mine : null
      })
      return {
        rps: pair('rps'),
        p50: pair('p50'),
        p99: pair('p99'),
        cpu: efficiency.includes(null) ? null : median(efficiency as number[]),
      }
    }
    const against = (v: VictoriaName) => ({
      'raw-sql': ratios(v, 'raw-sql'),
      ceiling: ratios(v, 'ceiling'),
    })
    const sizes = sc.paths.map((p) => Buffer.byteLength(bodies[p]!))
    const queries = sc.paths.map((p) => stages[p]!.flat().length)
    return {
      name: sc.name,
      title: sc.title,
      urls: sc.paths.length,
      bodyBytes: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
      queriesPerRequest: queries.reduce((a, b) => a + b, 0) / queries.length,
      runs: byServer,
      median: Object.fromEntries(SERVERS.map((s) => [s, medianOf(s)])) as Record<
        ServerName,
        Sample
      >,
      ratios: { victoria: against('victoria'), 'victoria-nocache': against('victoria-nocache') },
      plans: plans.get(sc.name) ?? [],
    }
  })

  const result: BenchResult = {
    environment: {
      ...environment,
      loadAverageAfter: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    settings: {
      engine,
      ...(postgres ? { postgres } : {}),
      runs,
      durationSeconds,
      warmupSeconds,
      connections,
      poolMax,
      books,
      synthetic,
      ...(values.scenarios ? { scenarios: values.scenarios } : {}),
      ...(Object.keys(extraEnv).length > 0 ? { env: extraEnv } : {}),
    },
    scenarios: results,
  }
  log(`\n${toMarkdown(result)}`)
  if (!values['no-write']) log(`written: ${await writeResult(RESULTS_DIR, result)} (+ .json)`)
}

await runMain(main)

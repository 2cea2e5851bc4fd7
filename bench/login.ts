import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { verify } from '@node-rs/argon2'
import autocannon from 'autocannon'
import { hashPassword } from '../src/modules/accounts/passwords.ts'
import { intFlag, LOAD_BENCH_OPTIONS, parseArgs } from './lib/args.ts'
import { createCatalog } from './lib/catalog.ts'
import { onCleanup, runMain } from './lib/cleanup.ts'
import { describeEnvironment, describeLoad } from './lib/environment.ts'
import { RESULTS_DIR } from './lib/paths.ts'
import { chooseEngine, serverVersion } from './lib/postgres.ts'
import { buildVictoria, freePort, startVictoria, waitFor } from './lib/processes.ts'
import { fmt, fmtRatio, median, ratio } from './lib/stats.ts'
import { VICTORIA_BENCH_ENV } from './lib/victoria-env.ts'

/**
 * `npm run bench:login`: POST /api/auth/login under autocannon, beside its floor — the bare
 * argon2id verification (m = 19 MiB, t = 2, p = 1, the parameters passwords.ts hashes with)
 * timed in a loop in this process, alone and at the same concurrency. Victoria ÷ argon2 is what
 * a login costs beyond the password check (lookup, session row, token signing, HTTP). Two
 * scenarios: the right password, and an unknown email (which verifies against a dummy hash, so
 * it must cost the same). Options: --engine postgres|pglite --runs 3 --duration 10
 * --connections 4 --warmup 2 --iterations 200 --no-write
 */

const { values } = parseArgs({
  options: {
    ...LOAD_BENCH_OPTIONS,
    iterations: { type: 'string' },
  },
})
const runs = intFlag(values, 'runs', 3, 1, 20)
const durationSeconds = intFlag(values, 'duration', 10, 1, 300)
const connections = intFlag(values, 'connections', 4, 1, 256)
const warmupSeconds = intFlag(values, 'warmup', 2, 0, 60)
const iterations = intFlag(values, 'iterations', 200, 10, 100_000)
const adminUrl = values['admin-url']!
const log = (line: string) => process.stdout.write(`${line}\n`)

const EMAIL = 'bench-login@example.com'
const PASSWORD = 'a bench passphrase that is long enough'
const SCENARIOS = {
  success: { email: EMAIL, status: 200, title: 'right password' },
  unknown: { email: 'nobody@example.com', status: 401, title: 'unknown email (dummy hash)' },
} as const
type ScenarioName = keyof typeof SCENARIOS

interface Sample {
  rps: number
  p50: number
  p99: number
  requests: number
  /** answers other than the scenario's expected status, and socket errors */
  unexpected: number
}

async function loadLogin(baseUrl: string, scenario: ScenarioName, seconds: number) {
  const { email, status } = SCENARIOS[scenario]
  const result = await autocannon({
    url: `${baseUrl}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
    connections,
    duration: seconds,
    timeout: 10,
  })
  const expected = status === 200 ? result['2xx'] : result['4xx']
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    unexpected: result.requests.total - expected + result.errors + result.timeouts,
  } satisfies Sample
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** argon2 verifications, `concurrency` at a time, for `seconds` (or `count` in all). */
async function loadArgon2(
  hash: string,
  concurrency: number,
  limit: { seconds?: number; count?: number },
) {
  const times: number[] = []
  const until = performance.now() + (limit.seconds ?? Number.POSITIVE_INFINITY) * 1000
  const started = performance.now()
  const worker = async () => {
    while (performance.now() < until && times.length < (limit.count ?? Number.POSITIVE_INFINITY)) {
      const t = performance.now()
      if (!(await verify(hash, PASSWORD))) throw new Error('argon2 verify failed')
      times.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = (performance.now() - started) / 1000
  times.sort((a, b) => a - b)
  return {
    rps: times.length / elapsed,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    requests: times.length,
    unexpected: 0,
  }
}

async function main() {
  const engine = await chooseEngine(values.engine, adminUrl)
  const environment = describeEnvironment()
  log(
    `engine ${engine}; ${runs} runs × ${Object.keys(SCENARIOS).length} scenarios, ${durationSeconds} s each, ${connections} connections`,
  )

  const catalog = await createCatalog(engine, adminUrl, { seed: false })
  onCleanup('remove the database', () => catalog.remove())
  onCleanup('close the database', () => catalog.close())
  const postgres = engine === 'postgres' ? await serverVersion(adminUrl) : undefined
  await catalog.close()

  await buildVictoria()
  const server = startVictoria('victoria', await freePort(), {
    ...VICTORIA_BENCH_ENV,
    ...catalog.env,
  })
  onCleanup('stop victoria', () => server.stop())
  await waitFor(server, '/health/ready', (status) => status === 200)
  const registered = await fetch(`${server.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD, displayName: 'Bench' }),
  })
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`)

  const hash = await hashPassword(PASSWORD)
  if (warmupSeconds > 0) {
    log(`warm-up ${warmupSeconds} s…`)
    for (const name of Object.keys(SCENARIOS) as ScenarioName[]) {
      await loadLogin(server.baseUrl, name, warmupSeconds)
    }
    await loadArgon2(hash, connections, { seconds: warmupSeconds })
  }

  const samples: Record<ScenarioName | 'argon2' | 'argon2Serial', Sample[]> = {
    success: [],
    unknown: [],
    argon2: [],
    argon2Serial: [],
  }
  for (let run = 1; run <= runs; run++) {
    for (const name of Object.keys(SCENARIOS) as ScenarioName[]) {
      samples[name].push(await loadLogin(server.baseUrl, name, durationSeconds))
    }
    // the floor, measured while Victoria idles: same concurrency, then one at a time
    samples.argon2.push(await loadArgon2(hash, connections, { seconds: durationSeconds }))
    samples.argon2Serial.push(await loadArgon2(hash, 1, { count: iterations }))
    const s = samples.success.at(-1)!
    const a = samples.argon2.at(-1)!
    log(
      `run ${run}/${runs}: login p50 ${s.p50} ms p99 ${s.p99} ms ${fmt(s.rps)} req/s; argon2 p50 ${fmt(a.p50, 1)} ms p99 ${fmt(a.p99, 1)} ms ${fmt(a.rps)} /s`,
    )
  }
  const unexpected = [...samples.success, ...samples.unknown].reduce((n, s) => n + s.unexpected, 0)

  const med = (name: keyof typeof samples, key: keyof Sample) =>
    median(samples[name].map((s) => s[key]))
  // ratios per run (each run measures both), then their median
  const per = (name: ScenarioName, key: 'p50' | 'p99' | 'rps') =>
    median(samples[name].map((s, i) => ratio(s[key], samples.argon2[i]![key])))
  const row = (label: string, name: keyof typeof samples, digits: number) =>
    `| ${label} | ${fmt(med(name, 'p50'), digits)} | ${fmt(med(name, 'p99'), digits)} | ${fmt(med(name, 'rps'))} |`
  const markdown = [
    `# Victoria login benchmark — ${environment.date.slice(0, 10)}, ${engine}`,
    '',
    `Command: \`npm run bench:login -- --engine ${engine} --runs ${runs} --duration ${durationSeconds} --connections ${connections}\``,
    '',
    `Machine: ${environment.cpus} × ${environment.cpuModel}, Node ${environment.node}` +
      (postgres ? `, PostgreSQL ${postgres}` : ', PGlite (embedded)') +
      `, ${describeLoad(environment)}. Commit ${environment.commit}${environment.dirty ? ' (with uncommitted changes in src/)' : ''}.`,
    `argon2id m = 19 MiB, t = 2, p = 1. Victoria: \`node dist/server.js\` (as \`npm start\`), NODE_ENV=production, under autocannon ` +
      `(${connections} connections, ${durationSeconds} s per measurement, medians of ${runs} runs; ` +
      'autocannon resolves whole milliseconds). The argon2 floor runs in the benchmark process while ' +
      'Victoria idles, at the same concurrency, and one at a time.',
    '',
    '| measurement | p50 ms | p99 ms | per second |',
    '|---|--:|--:|--:|',
    row(`POST /api/auth/login, ${SCENARIOS.success.title}`, 'success', 0),
    row(`POST /api/auth/login, ${SCENARIOS.unknown.title}`, 'unknown', 0),
    row(`argon2 verify, ${connections} at a time`, 'argon2', 1),
    row('argon2 verify, one at a time', 'argon2Serial', 1),
    '',
    '| Victoria ÷ argon2 at the same concurrency | p50 | p99 | throughput |',
    '|---|--:|--:|--:|',
    ...(Object.keys(SCENARIOS) as ScenarioName[]).map(
      (name) =>
        `| ${SCENARIOS[name].title} | ${fmtRatio(per(name, 'p50'))} | ${fmtRatio(per(name, 'p99'))} | ${fmtRatio(per(name, 'rps'))} |`,
    ),
    '',
    `Unexpected answers (not 200 for the right password, not 401 for the unknown email): ${fmt(unexpected)}.`,
    '',
  ].join('\n')
  log(`\n${markdown}`)
  if (unexpected > 0)
    throw new Error(`${unexpected} unexpected answers; the figures above are not logins`)
  if (!values['no-write']) {
    const base = join(RESULTS_DIR, `${environment.date.slice(0, 10)}-login-${engine}`)
    await writeFile(
      `${base}.json`,
      `${JSON.stringify({ environment, engine, postgres, runs, durationSeconds, connections, samples }, null, 2)}\n`,
    )
    await writeFile(`${base}.md`, markdown)
    log(`written: ${base}.md (+ .json)`)
  }
}

await runMain(main)

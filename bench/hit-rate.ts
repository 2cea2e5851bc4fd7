import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { mulberry32 } from '../src/lib/seeded-random.ts'
import { intFlag, parseArgs } from './lib/args.ts'
import { createCatalog, query } from './lib/catalog.ts'
import { onCleanup, runMain } from './lib/cleanup.ts'
import { describeEnvironment, describeLoad } from './lib/environment.ts'
import { RESULTS_DIR } from './lib/paths.ts'
import { chooseEngine, DEFAULT_ADMIN_URL } from './lib/postgres.ts'
import {
  buildVictoria,
  type ChildServer,
  freePort,
  startVictoria,
  waitFor,
} from './lib/processes.ts'
import { redisReachable } from './lib/redis.ts'
import { fmt } from './lib/stats.ts'
import { VICTORIA_BENCH_ENV } from './lib/victoria-env.ts'
import { ZipfSampler } from './lib/zipf.ts'

/**
 * `npm run bench:hitrate`: the response cache's hit rate under a Zipf-distributed read mix over
 * the whole catalog — book pages, author pages, genre lists and ISBN lookups, each kind's items
 * ranked by popularity (rating count) so the famous ones are asked for most, as on a real site.
 * The cache starts cold; the mix is replayed in phases and each phase's hit rate is reported, so
 * both the warm-up and the steady state show. With --instances 2 (needs Redis) the requests
 * alternate between two processes sharing Redis: an answer one produced is a hit for the other.
 * Options: --engine postgres|pglite --requests 100000 --phases 3 --s 1.0 --connections 50
 * --instances 1|2 --l1-mb 64 --seed 1 --no-write
 */

const { values } = parseArgs({
  options: {
    engine: { type: 'string' },
    requests: { type: 'string' },
    phases: { type: 'string' },
    s: { type: 'string', default: '1.0' },
    connections: { type: 'string' },
    instances: { type: 'string' },
    'l1-mb': { type: 'string' },
    seed: { type: 'string' },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    'no-write': { type: 'boolean', default: false },
  },
})
const requestsPerPhase = intFlag(values, 'requests', 100_000, 1_000, 10_000_000)
const phases = intFlag(values, 'phases', 3, 1, 20)
const connections = intFlag(values, 'connections', 50, 1, 1000)
const instances = intFlag(values, 'instances', 1, 1, 2)
const l1Mb = intFlag(values, 'l1-mb', 64, 1, 4096)
const seed = intFlag(values, 'seed', 1, 0, 2 ** 31)
const exponent = Number(values.s)
if (!(exponent > 0 && exponent <= 3)) throw new Error(`--s must be in (0, 3], got ${values.s}`)
const adminUrl = values['admin-url']!
const redisUrl = values['redis-url']!
const log = (line: string) => process.stdout.write(`${line}\n`)

/** The read mix: each kind's share of requests and its URLs, most popular first. */
interface Kind {
  name: string
  share: number
  paths: string[]
}

async function readMix(database: Parameters<typeof query>[0]): Promise<Kind[]> {
  const books = await query(
    database,
    'SELECT id, isbn13 FROM books ORDER BY ratings_count DESC, id',
  )
  const authors = await query(
    database,
    `SELECT ba.author_id AS id FROM book_authors ba JOIN books b ON b.id = ba.book_id
     GROUP BY ba.author_id ORDER BY sum(b.ratings_count) DESC, ba.author_id`,
  )
  const genres = await query(
    database,
    `SELECT g.slug FROM genres g JOIN book_genres bg ON bg.genre_id = g.id
     GROUP BY g.slug ORDER BY count(*) DESC, g.slug`,
  )
  // a genre list is read in a few sorts and its first pages
  const genreLists = genres.flatMap((g) =>
    ['', '&sort=rating', '&sort=newest'].map((sort) => `/api/books?genre=${g.slug}${sort}`),
  )
  return [
    { name: 'book', share: 0.6, paths: books.map((b) => `/api/books/${b.id}`) },
    { name: 'author', share: 0.15, paths: authors.map((a) => `/api/authors/${a.id}`) },
    { name: 'genre list', share: 0.15, paths: genreLists },
    {
      name: 'isbn',
      share: 0.1,
      paths: books.filter((b) => b.isbn13).map((b) => `/api/books/isbn/${b.isbn13}`),
    },
  ]
}

/** `count` requests drawn from the mix: a kind by its share, then an item by Zipf rank. */
function drawRequests(kinds: Kind[], count: number, random: () => number) {
  const samplers = kinds.map((k) => new ZipfSampler(k.paths.length, exponent))
  const drawn: { path: string; kind: number }[] = []
  for (let i = 0; i < count; i++) {
    let pick = random()
    let kind = 0
    while (kind < kinds.length - 1 && pick >= kinds[kind]!.share) pick -= kinds[kind++]!.share
    drawn.push({ path: kinds[kind]!.paths[samplers[kind]!.sample(random())]!, kind })
  }
  return drawn
}

interface Tally {
  HIT: number
  STALE: number
  MISS: number
  other: number
}
const emptyTally = (): Tally => ({ HIT: 0, STALE: 0, MISS: 0, other: 0 })
const hitRate = (t: Tally) => (t.HIT + t.STALE) / Math.max(1, t.HIT + t.STALE + t.MISS + t.other)

/** Sends the drawn requests, in order, spread over the instances; tallies X-Cache per kind. */
async function replay(
  servers: ChildServer[],
  drawn: { path: string; kind: number }[],
  kinds: Kind[],
) {
  const perKind = kinds.map(emptyTally)
  const total = emptyTally()
  const started = performance.now()
  let failures = 0
  await Promise.all(
    servers.map(async (server, index) => {
      // instance i takes every i-th request of the sequence
      const mine = drawn.filter((_, n) => n % servers.length === index)
      let next = 0
      const kindOf: number[] = []
      const result = await autocannon({
        url: server.baseUrl,
        connections: Math.max(1, Math.round(connections / servers.length)),
        amount: mine.length,
        timeout: 10,
        requests: [
          {
            method: 'GET',
            setupRequest: (request, context) => {
              const item = mine[next++ % mine.length]!
              ;(context as { kind?: number }).kind = item.kind
              kindOf.push(item.kind)
              return { ...request, path: item.path }
            },
            onResponse: (status, _body, context, headers) => {
              const kind = (context as { kind?: number }).kind ?? 0
              const seen = (headers as Record<string, string> | undefined)?.['x-cache']
              const key: keyof Tally =
                status === 200 && (seen === 'HIT' || seen === 'STALE' || seen === 'MISS')
                  ? seen
                  : 'other'
              perKind[kind]![key]++
              total[key]++
            },
          },
        ],
      })
      failures += result.errors + result.timeouts + result.non2xx
    }),
  )
  const seconds = (performance.now() - started) / 1000
  return { perKind, total, failures, rps: drawn.length / seconds }
}

async function main() {
  const engine = await chooseEngine(values.engine, adminUrl)
  if (instances > 1 && engine !== 'postgres') throw new Error('--instances 2 needs PostgreSQL')
  if (instances > 1 && !(await redisReachable(redisUrl))) {
    throw new Error(`--instances 2 needs Redis at ${redisUrl}`)
  }
  const environment = describeEnvironment()
  log(
    `engine ${engine}; ${instances} instance(s); ${phases} phases × ${fmt(requestsPerPhase)} requests; Zipf s = ${exponent}`,
  )

  const catalog = await createCatalog(engine, adminUrl, { seed: true })
  onCleanup('remove the catalog', () => catalog.remove())
  onCleanup('close the catalog', () => catalog.close())
  const kinds = await readMix(catalog.database)
  await catalog.close()

  await buildVictoria()
  const servers: ChildServer[] = []
  for (let i = 0; i < instances; i++) {
    const server = startVictoria(`victoria-${i + 1}`, await freePort(), {
      ...VICTORIA_BENCH_ENV,
      CACHE_L1_MAX_MB: String(l1Mb),
      ...catalog.env,
      ...(instances > 1
        ? { REDIS_URL: redisUrl, CACHE_PREFIX: `bench-hitrate-${process.pid}` }
        : {}),
    })
    onCleanup(`stop ${server.name}`, () => server.stop())
    servers.push(server)
  }
  for (const server of servers) await waitFor(server, '/health/ready', (status) => status === 200)

  const random = mulberry32(seed)
  const results = []
  const seen = new Set<string>()
  for (let phase = 1; phase <= phases; phase++) {
    const drawn = drawRequests(kinds, requestsPerPhase, random)
    const distinct = new Set(drawn.map((d) => d.path))
    // a URL's first request ever must miss: no cache can do better than these
    const firstTime = [...distinct].filter((path) => !seen.has(path)).length
    for (const path of distinct) seen.add(path)
    const r = await replay(servers, drawn, kinds)
    results.push({ phase, distinct: distinct.size, firstTime, ...r })
    log(
      `phase ${phase}: hit rate ${(hitRate(r.total) * 100).toFixed(2)} % ` +
        `(${fmt(r.total.MISS)} misses, ${fmt(firstTime)} first-time URLs, ${fmt(r.rps)} req/s, failures ${r.failures})`,
    )
  }

  const lines = [
    `# Response-cache hit rate under a Zipf read mix — ${environment.date.slice(0, 10)}, ${engine}`,
    '',
    `Command: \`npm run bench:hitrate -- --engine ${engine} --requests ${requestsPerPhase} --phases ${phases} --s ${exponent} --instances ${instances} --l1-mb ${l1Mb} --seed ${seed}\``,
    '',
    `${describeLoad(environment)}. ${instances} Victoria instance(s)` +
      (instances > 1 ? ' sharing Redis (requests alternate between them)' : ', memory cache only') +
      `, L1 bound ${l1Mb} MB each, ${connections} connections.`,
    '',
    'Mix: ' +
      kinds
        .map((k) => `${Math.round(k.share * 100)} % ${k.name} (${fmt(k.paths.length)} URLs)`)
        .join(', ') +
      `; within a kind, URLs by Zipf rank (s = ${exponent}) over popularity. The cache starts cold;` +
      ' each phase draws new requests from the same distribution. A URL requested for the first' +
      ' time must miss; "misses beyond first requests" are the ones a cache could have avoided' +
      ' (evictions, expiry, invalidations, concurrent first requests to two instances).',
    '',
    `| phase | requests | distinct URLs | first-time URLs | hit rate | best possible | ${kinds.map((k) => `${k.name} hit rate`).join(' | ')} | misses | misses beyond first requests | failures |`,
    `|--:|--:|--:|--:|--:|--:|${kinds.map(() => '--:').join('|')}|--:|--:|--:|`,
    ...results.map(
      (r) =>
        `| ${r.phase} | ${fmt(requestsPerPhase)} | ${fmt(r.distinct)} | ${fmt(r.firstTime)} | ` +
        `${(hitRate(r.total) * 100).toFixed(2)} % | ${(100 - (r.firstTime / requestsPerPhase) * 100).toFixed(2)} % | ` +
        `${r.perKind.map((t) => `${(hitRate(t) * 100).toFixed(1)} %`).join(' | ')} | ${fmt(r.total.MISS)} | ` +
        `${fmt(r.total.MISS - r.firstTime)} | ${r.failures} |`,
    ),
    '',
  ]
  const markdown = lines.join('\n')
  log(`\n${markdown}`)
  if (!values['no-write']) {
    await mkdir(RESULTS_DIR, { recursive: true })
    const base = join(
      RESULTS_DIR,
      `${environment.date.slice(0, 10)}-hitrate-${engine}${instances > 1 ? `-x${instances}` : ''}`,
    )
    await writeFile(`${base}.md`, markdown)
    await writeFile(
      `${base}.json`,
      `${JSON.stringify({ environment, settings: { engine, requestsPerPhase, phases, exponent, instances, l1Mb, seed, connections }, kinds: kinds.map((k) => ({ name: k.name, share: k.share, urls: k.paths.length })), results }, null, 2)}\n`,
    )
    log(`written: ${base}.md`)
  }
}

await runMain(main)

import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { createGunzip } from 'node:zlib'
import { parse } from 'csv-parse'
import { sql } from 'kysely'
import { type Config, ConfigError, loadConfig } from '../config.ts'
import { createPGlite, type Database, openDatabase, openPGlite } from '../db/database.ts'
import { migrate } from '../db/migrator.ts'
import { importGoodbooks } from '../import/goodbooks-import.ts'
import { readBooks, resolveCsv } from '../import/goodbooks-reader.ts'
import { runMaintenanceJob } from '../jobs/maintenance.ts'
import { mulberry32 } from '../lib/seeded-random.ts'
import { RecommendationsRepository } from '../modules/recommendations/recommendations.repository.ts'

/**
 * Offline quality of the recommendations: leave-one-out on the goodbooks ratings.
 *
 * ratings.csv has no timestamps, so a reader's "last" rating is their last row in file order.
 * A seeded sample of readers with at least two ratings is the test set; each one's last rating
 * is held out, and every other rating (theirs and everyone else's) is the training set. The
 * model is built on the training set in a throwaway database (in-memory PGlite, or a database
 * created and dropped on the PostgreSQL server of DATABASE_URL) by the very SQL the app runs:
 * the migrations, the neighbours job, the statistics job and recommend_for_reader(). For each
 * test reader we ask for 10 books and look for the held-out one: hit rate@10 is the share
 * found, nDCG@10 credits a hit at rank r with 1 / log2(r + 1). The baseline recommends the 10
 * books with the most training ratings that the reader has not rated.
 *
 *   npm run eval:recs [-- --users 2000 --seed 42]
 */

interface Rating {
  user: number
  book: number
  rating: number
}

const K = 10

function usage(): never {
  process.stderr.write('usage: npm run eval:recs [-- --users N (default 2000) --seed S (42)]\n')
  process.exit(2)
}

async function readRatings(dir: string): Promise<Rating[]> {
  const path = await resolveCsv(dir, 'ratings')
  const file = createReadStream(path)
  const source = path.endsWith('.gz') ? file.pipe(createGunzip()) : file
  const ratings: Rating[] = []
  let header = true
  for await (const record of source.pipe(
    parse({ bom: true, skip_empty_lines: true }),
  ) as AsyncIterable<string[]>) {
    if (header) {
      header = false
      continue
    }
    ratings.push({ user: Number(record[0]), book: Number(record[1]), rating: Number(record[2]) })
  }
  return ratings
}

export interface Metrics {
  hitRate: number
  ndcg: number
}

/** Hit rate and nDCG at K of ranked lists against one held-out item each. */
export function score(lists: { ranked: number[]; heldOut: number }[]): Metrics {
  let hits = 0
  let gain = 0
  for (const { ranked, heldOut } of lists) {
    const at = ranked.slice(0, K).indexOf(heldOut)
    if (at >= 0) {
      hits++
      gain += 1 / Math.log2(at + 2)
    }
  }
  const n = Math.max(lists.length, 1)
  return { hitRate: hits / n, ndcg: gain / n }
}

async function throwawayDatabase(config: Config): Promise<Database> {
  if (!config.DATABASE_URL) return openPGlite(await createPGlite())
  const logger = { warn: (_obj: object, msg: string) => process.stderr.write(`${msg}\n`) }
  const settings = { ...config, DB_STATEMENT_TIMEOUT_MS: 3_600_000, DB_POOL_MAX: 2 }
  const admin = await openDatabase(settings, logger)
  const name = `victoria_eval_${process.pid}_${randomBytes(3).toString('hex')}`
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db)
  const url = new URL(config.DATABASE_URL)
  url.pathname = `/${name}`
  const database = await openDatabase({ ...settings, DATABASE_URL: url.toString() }, logger)
  return {
    ...database,
    async close() {
      await database.close()
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db)
      await admin.close()
    },
  }
}

async function main(): Promise<number> {
  let options: { users: number; seed: number }
  let config: Config
  try {
    const { values } = parseArgs({
      options: { users: { type: 'string' }, seed: { type: 'string' } },
      strict: true,
    })
    options = { users: Number(values.users ?? 2000), seed: Number(values.seed ?? 42) }
    if (!Number.isInteger(options.users) || options.users < 1) usage()
    if (!Number.isInteger(options.seed)) usage()
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`eval:recs: ${error.message}\n`)
      return 78
    }
    usage()
  }
  const out = process.stdout
  const t0 = performance.now()
  const elapsed = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`

  // --- split ---------------------------------------------------------------------------------
  const ratings = await readRatings(config.GOODBOOKS_DIR)
  const byUser = new Map<number, Rating[]>()
  const seen = new Set<string>()
  for (const r of ratings) {
    // the importer keeps a reader's first rating of a book; so does the evaluation
    const key = `${r.user}:${r.book}`
    if (seen.has(key)) continue
    seen.add(key)
    const list = byUser.get(r.user)
    if (list) list.push(r)
    else byUser.set(r.user, [r])
  }
  const eligible = [...byUser.keys()]
    .filter((u) => byUser.get(u)!.length >= 2)
    .sort((a, b) => a - b)
  const random = mulberry32(options.seed)
  for (let i = eligible.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!]
  }
  const testUsers = eligible.slice(0, Math.min(options.users, eligible.length))
  const heldOut = new Map(testUsers.map((u) => [u, byUser.get(u)!.at(-1)!]))
  const training = [...byUser.values()].flatMap((list) =>
    heldOut.has(list[0]!.user) ? list.slice(0, -1) : list,
  )
  out.write(
    `goodbooks ratings: ${ratings.length} rows, ${byUser.size} readers; ${eligible.length} with 2+ ` +
      `ratings; test readers ${testUsers.length} (seed ${options.seed}); training ratings ` +
      `${training.length}\n`,
  )

  // --- model ---------------------------------------------------------------------------------
  const database = await throwawayDatabase(config)
  try {
    const db = database.db
    out.write(`engine: ${database.engine}\n`)
    let t = performance.now()
    await migrate(database)
    await importGoodbooks(database, { dir: config.GOODBOOKS_DIR })
    const catalog = new Map<number, number>()
    const ids = await db
      .selectFrom('books')
      .select(['id', 'goodreads_id'])
      .where('goodreads_id', 'is not', null)
      .execute()
    const byGoodreads = new Map(ids.map((b) => [b.goodreads_id!, b.id]))
    for await (const book of readBooks(config.GOODBOOKS_DIR)) {
      const id = byGoodreads.get(book.goodreadsId)
      if (id !== undefined) catalog.set(book.bookId, id)
    }
    await sql`
      INSERT INTO users (goodbooks_user_id, display_name)
      SELECT id, 'Goodreads reader ' || id FROM unnest(${[...byUser.keys()]}::int[]) AS id`.execute(
      db,
    )
    const userIds = new Map(
      (
        await db
          .selectFrom('users')
          .select(['id', 'goodbooks_user_id'])
          .where('goodbooks_user_id', 'is not', null)
          .execute()
      ).map((u) => [u.goodbooks_user_id!, u.id]),
    )
    const rows = training.filter((r) => catalog.has(r.book))
    for (let i = 0; i < rows.length; i += 20_000) {
      const batch = rows.slice(i, i + 20_000)
      await sql`
        INSERT INTO reviews (user_id, book_id, rating, source)
        SELECT u, b, r, 'goodbooks'
        FROM unnest(${batch.map((r) => userIds.get(r.user)!)}::int[],
                    ${batch.map((r) => catalog.get(r.book)!)}::int[],
                    ${batch.map((r) => r.rating)}::int2[]) AS x(u, b, r)`.execute(db)
    }
    await sql`ANALYZE`.execute(db)
    out.write(`catalog and training ratings loaded in ${elapsed(t)}\n`)

    t = performance.now()
    const neighbours = await runMaintenanceJob(db, 'recommendations')
    out.write(`neighbours job: ${neighbours?.detail} in ${neighbours?.durationMs} ms\n`)
    const stats = await runMaintenanceJob(db, 'statistics')
    out.write(`statistics job: ${stats?.detail} in ${stats?.durationMs} ms\n`)

    // --- recommend and score -------------------------------------------------------------------
    const trainCount = new Map<number, number>()
    for (const r of rows) trainCount.set(r.book, (trainCount.get(r.book) ?? 0) + 1)
    const popular = [...trainCount.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([book]) => catalog.get(book)!)
    const repository = new RecommendationsRepository(db)
    const victoria: { ranked: number[]; heldOut: number }[] = []
    const baseline: { ranked: number[]; heldOut: number }[] = []
    const liked: boolean[] = []
    const tiers = new Map<number, number>()
    t = performance.now()
    for (const user of testUsers) {
      const target = heldOut.get(user)!
      const held = catalog.get(target.book)
      if (held === undefined) continue
      const rated = new Set(
        byUser
          .get(user)!
          .slice(0, -1)
          .map((r) => catalog.get(r.book)),
      )
      const picks = await repository.forReader(userIds.get(user)!, K)
      for (const p of picks) tiers.set(p.tier, (tiers.get(p.tier) ?? 0) + 1)
      victoria.push({ ranked: picks.map((p) => p.book_id), heldOut: held })
      baseline.push({ ranked: popular.filter((b) => !rated.has(b)).slice(0, K), heldOut: held })
      liked.push(target.rating >= 4)
    }
    const perReader = (performance.now() - t) / Math.max(victoria.length, 1)

    const likedOnly = <T>(list: T[]) => list.filter((_, i) => liked[i])
    const v = score(victoria)
    const p = score(baseline)
    const vl = score(likedOnly(victoria))
    const pl = score(likedOnly(baseline))
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`.padStart(9)
    const num = (x: number) => x.toFixed(4).padStart(9)
    out.write(
      `\nleave-one-out, ${victoria.length} test readers, K = ${K}\n` +
        `                         hit-rate@10   nDCG@10\n` +
        `Victoria (item-item CF)  ${pct(v.hitRate)}   ${num(v.ndcg)}\n` +
        `popularity baseline      ${pct(p.hitRate)}   ${num(p.ndcg)}\n` +
        `lift                     ${`×${(v.hitRate / p.hitRate).toFixed(2)}`.padStart(9)}   ${`×${(v.ndcg / p.ndcg).toFixed(2)}`.padStart(9)}\n` +
        `\nheld-out rating 4-5 only (${liked.filter(Boolean).length} readers)\n` +
        `Victoria (item-item CF)  ${pct(vl.hitRate)}   ${num(vl.ndcg)}\n` +
        `popularity baseline      ${pct(pl.hitRate)}   ${num(pl.ndcg)}\n` +
        `\npicks by tier: ${[...tiers.entries()]
          .sort()
          .map(([tier, n]) => `${['', 'collaborative', 'favourite genres', 'overall'][tier]} ${n}`)
          .join(', ')}\n` +
        `recommend_for_reader: ${perReader.toFixed(1)} ms per reader; total ${elapsed(t0)}\n`,
    )
  } finally {
    await database.close()
  }
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`eval:recs failed: ${error instanceof Error ? error.stack : error}\n`)
    process.exitCode = 1
  },
)

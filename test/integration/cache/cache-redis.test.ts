import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { buildApp } from '../../../src/app.ts'
import { openTestDatabase, testConfig } from '../../helpers/database.ts'

/**
 * The cache against the machine's real Redis: cross-instance invalidation through the bus, and
 * RELIABILITY.md rows 15 (Redis shut down and restarted under steady reads) and 16 (Redis
 * frozen with SIGSTOP). Every test that stops Redis brings it back before it ends.
 */

const run = promisify(execFile)
const REDIS_URL = testConfig.REDIS_URL
const skip = REDIS_URL ? false : 'REDIS_URL is not set: these tests need a real Redis'
const redisCli = (...args: string[]) =>
  run('redis-cli', ['-u', REDIS_URL!, ...args], { timeout: 5_000 })

async function startRedis() {
  const { port, hostname } = new URL(REDIS_URL!)
  // the machine's own start command (DEVELOPERS.md); a no-op failure if it already runs
  await run('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    hostname,
    '--port',
    port || '6379',
    '--save',
    '',
    '--appendonly',
    'no',
  ]).catch(() => {})
  for (let i = 0; i < 100; i++) {
    if (
      await redisCli('ping').then(
        (r) => r.stdout.trim() === 'PONG',
        () => false,
      )
    )
      return
    await sleep(50)
  }
  throw new Error('Redis did not come back')
}

const database = await openTestDatabase({ seed: true })
const prefix = `redis-test-${process.pid}`
const config = { ...testConfig, CACHE_PREFIX: prefix }
const [appA, appB] = skip
  ? []
  : [await buildApp(config, { database }), await buildApp(config, { database })]
after(async () => {
  await appA?.close()
  await appB?.close()
  await database.close()
})

const bookIds = (
  await database.db.selectFrom('books').select('id').orderBy('id').limit(200).execute()
).map((r) => r.id)

/** Steady reads spread over many books for `ms`, recording every status and latency. */
async function steadyReads(app: NonNullable<typeof appA>, ms: number) {
  const results: { status: number; ms: number }[] = []
  const end = Date.now() + ms
  let i = 0
  const worker = async () => {
    while (Date.now() < end) {
      const started = performance.now()
      const response = await app.inject(`/api/books/${bookIds[i++ % bookIds.length]}`)
      results.push({ status: response.statusCode, ms: performance.now() - started })
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  return results
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

describe('two instances sharing Redis', { skip }, () => {
  test('an invalidation on one instance evicts the other instance’s L1 entry within 100 ms', async () => {
    const timings: number[] = []
    for (const id of bookIds.slice(0, 5)) {
      const url = `/api/books/${id}`
      await appA!.inject(url)
      await appB!.inject(url)
      assert.equal((await appB!.inject(url)).headers['x-cache'], 'HIT')
      const started = performance.now()
      await appA!.cache.invalidate([`book:${id}`])
      while ((await appB!.inject(url)).headers['x-cache'] === 'HIT') {
        assert.ok(performance.now() - started < 2_000, 'the bus message never arrived')
        await sleep(2)
      }
      timings.push(performance.now() - started)
    }
    // the median, so one scheduling hiccup on a shared machine does not decide it
    assert.ok(
      percentile(timings, 50) < 100,
      `median eviction ${percentile(timings, 50).toFixed(1)} ms`,
    )
  })

  test('an entry one instance produced is a hit for the other (shared L2)', async () => {
    const url = `/api/books/${bookIds[42]}`
    assert.equal((await appA!.inject(url)).headers['x-cache'], 'MISS')
    assert.equal((await appB!.inject(url)).headers['x-cache'], 'HIT')
  })
})

describe('Redis outages (RELIABILITY.md rows 15 and 16)', { skip }, () => {
  test('Redis shut down and restarted under steady reads: no failed request, recovery within seconds', async () => {
    try {
      const reading = steadyReads(appA!, 3_000)
      await sleep(500)
      await redisCli('shutdown', 'nosave').catch(() => {}) // the connection drops as it answers
      await sleep(1_000)
      await startRedis()
      const results = await reading
      const failed = results.filter((r) => r.status !== 200)
      assert.equal(failed.length, 0, `failed requests: ${failed.length} of ${results.length}`)
      const p99 = percentile(
        results.map((r) => r.ms),
        99,
      )
      // A stall bound, not a speed goal: a hung Redis would hold requests for its whole
      // reconnect cycle. The margin covers CI running four test files on two cores.
      assert.ok(p99 < 2_500, `p99 ${p99.toFixed(0)} ms stays bounded`)
      let recovered = false
      for (let i = 0; i < 100 && !recovered; i++) {
        recovered = (await appA!.inject('/api/health')).json().checks.redis.status === 'ok'
        if (!recovered) await sleep(100)
      }
      assert.ok(recovered, 'the cache reconnects by itself')
    } finally {
      await startRedis()
    }
  })

  test('Redis frozen: requests are served from PostgreSQL with no stall past the cache timeout', async () => {
    const { stdout } = await redisCli('info', 'server')
    const pid = Number(/process_id:(\d+)/.exec(stdout)?.[1])
    assert.ok(pid > 0)
    process.kill(pid, 'SIGSTOP')
    try {
      // books never read before: each is a miss that must try Redis (L2) and give up in time
      const fresh = (
        await database.db.selectFrom('books').select('id').orderBy('id', 'desc').limit(40).execute()
      ).map((r) => r.id)
      const latencies: number[] = []
      for (const id of fresh) {
        const started = performance.now()
        const response = await appA!.inject(`/api/books/${id}`)
        latencies.push(performance.now() - started)
        assert.equal(response.statusCode, 200)
      }
      const health = (await appA!.inject('/api/health')).json()
      assert.equal(health.status, 'degraded')
      // the cache timeout is 200 ms; PostgreSQL's own answer comes on top
      const stalled = latencies.filter((ms) => ms > testConfig.CACHE_TIMEOUT_MS + 800)
      assert.deepEqual(stalled, [], `stalled: ${stalled.map((ms) => ms.toFixed(0)).join(', ')} ms`)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    await startRedis()
  })
})

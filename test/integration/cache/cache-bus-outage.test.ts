import assert from 'node:assert/strict'
import { connect, createServer, type Server } from 'node:net'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RedisOptions } from 'ioredis'
import { CacheService, type ProducedResponse } from '../../../src/cache/cache-service.ts'
import { busConnectionOptions, createRedis, type RedisLogger } from '../../../src/cache/redis.ts'
import { testConfig } from '../../helpers/database.ts'

/**
 * Redis answering while the bus cannot reach it: the window of a Redis restart in which the
 * cache's connection is back and the bus's publisher is still reconnecting (its commands wait
 * in ioredis's offline queue). The L2 is the machine's real Redis; the bus points at a port
 * where nothing listens, which is what a publisher mid-reconnect sees.
 */

const REDIS_URL = testConfig.REDIS_URL
const skip = REDIS_URL ? false : 'REDIS_URL is not set: these tests need a real Redis'
const TIMEOUT_MS = testConfig.CACHE_TIMEOUT_MS

const NOWHERE = 'redis://127.0.0.1:1'

/** A cache on the real Redis whose bus connects through `busUrl` (its prefix shared by all). */
function openCache(busUrl = NOWHERE, tweaks: RedisOptions = {}, logger: RedisLogger = quiet) {
  const redis = createRedis(REDIS_URL!, testConfig.REDIS_COMMAND_TIMEOUT_MS, quiet)
  const cache = new CacheService({
    config: { ...testConfig, CACHE_PREFIX: `bus-outage-${process.pid}` },
    redis,
    bus: { ...busConnectionOptions(busUrl), ...tweaks },
    logger,
  })
  after(async () => {
    await cache.disconnect().catch(() => {})
    redis.disconnect()
  })
  return cache
}

const quiet: RedisLogger = { warn() {} }

function producer() {
  let runs = 0
  const produce = async (): Promise<ProducedResponse> => {
    runs++
    return { body: `{"run":${runs}}`, etag: `"${runs}"` }
  }
  return { produce, runs: () => runs }
}

describe('a bus that cannot reach Redis', { skip }, () => {
  const cache = skip ? null : openCache()

  test('neither an invalidation nor the read after it waits for the reconnect', async () => {
    const { produce } = producer()
    await cache!.getOrProduce('books', 'stale', ['t:stale'], produce)
    const started = performance.now()
    const invalidated = cache!.invalidate(['t:stale'])
    // the read finds the entry invalidated, and bentocache publishes its expiry on the bus
    const { status } = await cache!.getOrProduce('books', 'stale', ['t:stale'], produce)
    const read = performance.now() - started
    await invalidated
    const both = performance.now() - started
    assert.equal(status, 'MISS')
    // publishes are bounded by the cache timeout (unbounded, they wait ioredis's ~30 s of
    // reconnect attempts); the margin covers a busy CI machine
    assert.ok(read < TIMEOUT_MS + 800, `the read took ${read.toFixed(0)} ms`)
    assert.ok(both < TIMEOUT_MS + 800, `the invalidation took ${both.toFixed(0)} ms`)
  })

  test('every tag of an invalidation reaches this instance at once, the last one too', async () => {
    const { produce, runs } = producer()
    await cache!.getOrProduce('books', 'tagged', ['t:last'], produce)
    assert.equal((await cache!.getOrProduce('books', 'tagged', ['t:last'], produce)).status, 'HIT')
    const started = performance.now()
    const invalidated = cache!.invalidate(['t:first', 't:second', 't:last'])
    // the next read, before the invalidation's publishes have settled
    const { status } = await cache!.getOrProduce('books', 'tagged', ['t:last'], produce)
    assert.equal(status, 'MISS')
    assert.equal(runs(), 2)
    await invalidated
    const elapsed = performance.now() - started
    assert.ok(elapsed < 3 * TIMEOUT_MS + 800, `the invalidation took ${elapsed.toFixed(0)} ms`)
  })

  test('a subscription that fails at startup is retried until it holds, and ends nothing', async (t) => {
    const unhandled: unknown[] = []
    const record = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', record)
    t.after(() => process.off('unhandledRejection', record))
    const warnings: string[] = []
    // a port that refuses connections until a forwarder to the real Redis opens on it
    const port = await freePort()
    // ioredis drops the queued SUBSCRIBE at the first failed connect here, as it does after 20
    // with the production settings (some 30 s)
    const late = openCache(
      `redis://127.0.0.1:${port}`,
      { maxRetriesPerRequest: 0 },
      {
        warn: (_obj, message) => warnings.push(message),
      },
    )
    const { produce, runs } = producer()
    // bentocache builds its bus on first use
    await late.getOrProduce('books', 'late', ['t:late'], produce)
    await sleep(500)
    assert.ok(
      warnings.some((w) => w.includes('subscription failed')),
      `warnings: ${warnings.join('; ')}`,
    )
    const forwarder = await forwardTo(port, new URL(REDIS_URL!))
    t.after(() => new Promise((done) => forwarder.close(done)))
    const other = openCache(REDIS_URL!)
    // once subscribed, another instance's invalidation reaches this one's L1
    const deadline = Date.now() + 15_000 // the subscriber reconnects with backoff
    while (runs() === 1) {
      assert.ok(Date.now() < deadline, 'the subscription never held')
      await other.invalidate(['t:late'])
      await sleep(100)
      await late.getOrProduce('books', 'late', ['t:late'], produce)
    }
    assert.deepEqual(unhandled, [])
    const started = performance.now()
    await late.disconnect()
    const closing = performance.now() - started
    assert.ok(closing < TIMEOUT_MS + 800, `closing took ${closing.toFixed(0)} ms`)
  })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
  const { port } = server.address() as { port: number }
  await new Promise((closed) => server.close(closed))
  return port
}

/** A plain TCP forwarder: the real Redis, reachable on `port` from now on. */
async function forwardTo(port: number, target: URL): Promise<Server> {
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => sockets.delete(socket))
    }
    client.pipe(upstream).pipe(client)
  })
  const close = server.close.bind(server)
  server.close = (done) => {
    for (const socket of sockets) socket.destroy()
    return close(done)
  }
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening))
  return server
}

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { CacheService } from '../../src/cache/cache-service.ts'
import { loadConfig } from '../../src/config.ts'

/**
 * After a tag invalidation bentocache keeps the old copy for grace: when the refresh takes longer
 * than CACHE_TIMEOUT_MS it answers with that copy meanwhile. Such an answer is STALE, and it must
 * not be trusted as fresh by the validated set, or the old copy would outlive the refresh.
 */
test('a copy served from grace after an invalidation is STALE and never pinned', async (t) => {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'test-secret-that-is-at-least-32-characters-long',
    REDIS_URL: '',
    CACHE_TIMEOUT_MS: '50',
  })
  const cache = new CacheService({ config, redis: null, bus: null })
  t.after(() => cache.disconnect())
  let version = 1
  let delayMs = 0
  const produce = async () => {
    await sleep(delayMs)
    return { body: `v${version}`, etag: `"v${version}"` }
  }
  const read = () => cache.getOrProduce('books', 'book:1', ['book:1'], produce)

  assert.equal((await read()).status, 'MISS')
  assert.equal((await read()).status, 'HIT')

  version = 2
  delayMs = 300 // the refresh outlasts the 50 ms soft timeout
  await cache.invalidate(['book:1'])
  const during = await read()
  assert.deepEqual([during.status, during.entry.body], ['STALE', 'v1'])
  // meanwhile bentocache may answer either copy; the old one must not outlive the refresh
  await read()

  await sleep(400) // the refresh has finished
  const settled = await read()
  assert.equal(settled.entry.body, 'v2', 'the old copy outlived its refresh')
  assert.equal((await read()).entry.body, 'v2')
})

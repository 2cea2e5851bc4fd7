import { randomUUID } from 'node:crypto'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import type { Redis, RedisOptions } from 'ioredis'
import { LRUCache } from 'lru-cache'
import type { Config } from '../config.ts'
import type { RedisLogger } from './redis.ts'
import { failOpenRedisBusDriver } from './redis-bus.ts'
import { ValidatedEntries } from './validated-entries.ts'

/**
 * The two-tier cache: bentocache with an in-process LRU (L1) bounded in bytes and, when Redis is
 * configured, Redis as L2 and as the bus that evicts other instances' L1 entries. What it caches
 * are finished responses (serialized JSON and its ETag), so a hit costs no database query and
 * no serialization.
 */

export const CACHE_CATEGORIES = ['books', 'search', 'user', 'analytics', 'recommendations'] as const
export type CacheCategory = (typeof CACHE_CATEGORIES)[number]
export type CacheStatus = 'HIT' | 'MISS' | 'STALE'

export interface CachedResponse {
  body: string
  etag: string
  /** when it was produced, to tell a fresh hit from a graced (stale) one */
  at: number
  /** who produced it, to tell this request's own factory run from a hit */
  id: string
}

export interface ProducedResponse {
  body: string
  etag: string
  /** further tags, learned from the data (for example the books a page shows) */
  tags?: string[]
}

interface Counters {
  hits: number
  misses: number
  stale: number
}

export interface CacheServiceOptions {
  config: Config
  /** L2 client (fail-fast settings, see redis.ts) */
  redis: Redis | null
  /** options for the bus's own publisher and subscriber connections */
  bus: RedisOptions | null
  /** where the bus reports Redis outages */
  logger?: RedisLogger
}

const quiet: RedisLogger = { warn() {} }

/** A 4xx from the producer is the new truth (a deleted row), not an outage to ride out. */
function isClientError(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  return typeof status === 'number' && status >= 400 && status < 500
}

export class CacheService {
  readonly bento: BentoCache<{ main: ReturnType<typeof bentostore> }>
  private readonly ttls: Record<CacheCategory, number>
  private readonly counters = new Map<CacheCategory, Counters>()
  private readonly l1: LRUCache<string, string>
  private readonly validated: ValidatedEntries
  /**
   * Values bentocache served from grace: after a tag invalidation, while the refresh runs past
   * the soft timeout, it answers with the invalidated copy. Such a copy is not yet past its TTL,
   * so only bentocache's hit event can tell it apart (it hands over the very object it returns).
   */
  private readonly gracedValues = new WeakSet<object>()
  readonly enabled: boolean

  constructor(options: CacheServiceOptions) {
    const { config, redis } = options
    this.enabled = config.CACHE_ENABLED
    this.ttls = {
      books: config.CACHE_TTL_BOOKS_SECONDS,
      search: config.CACHE_TTL_SEARCH_SECONDS,
      user: config.CACHE_TTL_USER_SECONDS,
      analytics: config.CACHE_TTL_ANALYTICS_SECONDS,
      recommendations: config.CACHE_TTL_RECOMMENDATIONS_SECONDS,
    }
    for (const category of CACHE_CATEGORIES)
      this.counters.set(category, { hits: 0, misses: 0, stale: 0 })
    const maxSize = config.CACHE_L1_MAX_MB * 1024 * 1024
    // our own LRU instance, so that the admin page can report its size and memory
    this.l1 = new LRUCache<string, string>({
      maxSize,
      sizeCalculation: (value) => Math.max(1, Buffer.byteLength(value)),
    })
    this.validated = new ValidatedEntries(config.CACHE_VALIDATED_MAX_MB * 1024 * 1024)
    let store = bentostore().useL1Layer(
      memoryDriver({ maxSize, cacheInstance: this.l1 } as Parameters<typeof memoryDriver>[0]),
    )
    if (redis && options.bus) {
      store = store
        .useL2Layer(redisDriver({ connection: redis }))
        .useBus(
          failOpenRedisBusDriver(options.bus, config.CACHE_TIMEOUT_MS, options.logger ?? quiet),
        )
    }
    this.bento = new BentoCache({
      default: 'main',
      stores: { main: store },
      prefix: config.CACHE_PREFIX,
      // a slow or dead Redis never holds a request longer than this; the factory answers instead
      timeout: config.CACHE_TIMEOUT_MS,
      grace: config.CACHE_GRACE_SECONDS > 0 ? `${config.CACHE_GRACE_SECONDS}s` : false,
      graceBackoff: '30s',
      suppressL2Errors: true,
      l2CircuitBreakerDuration: '5s',
      lockTimeout: '5s',
    })
    this.bento.on('bus:message:received', ({ message }) => this.validated.onBusMessage(message))
    this.bento.on('cache:written', ({ key }) => this.validated.keyWritten(key))
    this.bento.on('cache:hit', ({ value, graced }) => {
      if (graced && typeof value === 'object' && value !== null) this.gracedValues.add(value)
    })
  }

  ttlSeconds(category: CacheCategory) {
    return this.ttls[category]
  }

  /**
   * The validated answer for `key` (counted as a hit), or undefined: then getOrProduce decides.
   * Synchronous, so that the commonest answer of all, a hit, costs no promise.
   */
  peek(category: CacheCategory, key: string): CachedResponse | undefined {
    if (!this.enabled) return undefined
    const ready = this.validated.get(`${category}:${key}`)
    if (ready) this.counters.get(category)!.hits++
    return ready
  }

  /**
   * The cached response for `key`, or `produce()`'s, cached under `tags`. One producer per key
   * at a time (bentocache's stampede lock); an expired entry within grace is served while a
   * refresh runs. Errors from `produce` (a 404, a database outage) are rethrown as they were.
   */
  async getOrProduce(
    category: CacheCategory,
    key: string,
    tags: string[],
    produce: () => Promise<ProducedResponse>,
  ): Promise<{ entry: CachedResponse; status: CacheStatus }> {
    const counters = this.counters.get(category)!
    if (!this.enabled) {
      counters.misses++
      const { body, etag } = await produce()
      return { entry: { body, etag, at: Date.now(), id: '' }, status: 'MISS' }
    }
    const fullKey = `${category}:${key}`
    const ready = this.validated.get(fullKey)
    if (ready) {
      counters.hits++
      return { entry: ready, status: 'HIT' }
    }
    const before = this.validated.snapshot(fullKey)
    let produced: CachedResponse | undefined
    let clientError: unknown
    let entry: CachedResponse
    const baseTags = [...tags, `category:${category}`]
    const ttlMs = this.ttls[category] * 1000
    try {
      entry = await this.bento.getOrSet({
        key: fullKey,
        ttl: ttlMs,
        tags: baseTags,
        factory: async (ctx) => {
          try {
            const { body, etag, tags: found } = await produce()
            // tags only known from the result (the books an author page shows)
            if (found?.length) ctx.setTags([...baseTags, ...found])
            produced = { body, etag, at: Date.now(), id: randomUUID() }
            return produced
          } catch (error) {
            if (isClientError(error)) clientError = error
            throw error
          }
        },
      })
    } catch (error) {
      if (clientError) throw clientError
      // bentocache wraps factory errors; the route wants the original (its status and code)
      throw (error as { cause?: unknown }).cause ?? error
    }
    if (clientError) {
      // Grace serves the old copy when a refresh fails, which is right when the database is
      // down, and wrong when the answer is now "not found" (the row was deleted): drop it.
      this.validated.forget(fullKey)
      await this.bento.delete({ key: fullKey })
      throw clientError
    }
    let status: CacheStatus = 'HIT'
    if (produced && entry.id === produced.id) status = 'MISS'
    else if (this.gracedValues.has(entry) || Date.now() - entry.at > ttlMs) status = 'STALE'
    // a graced copy is served once while it refreshes, never kept as if it were fresh
    if (status !== 'STALE') this.validated.remember(fullKey, entry, before, entry.at + ttlMs)
    if (status === 'HIT') counters.hits++
    else if (status === 'MISS') counters.misses++
    else counters.stale++
    return { entry, status }
  }

  /** Drops every entry carrying one of `tags`, here, in Redis and (through the bus) elsewhere. */
  async invalidate(tags: string[]): Promise<void> {
    if (!this.enabled || tags.length === 0) return
    // before: no read from now on trusts an entry without bentocache's check; after: an entry
    // that a read re-validated while the tags were being written is not trusted either
    this.validated.invalidateAll()
    try {
      // one call per tag: bentocache writes a call's tags one after another, each awaiting
      // Redis and the bus, so with Redis slow the later tags would reach even this instance's
      // L1 late; side by side, every tag is in L1 before the first await
      await Promise.all(tags.map((tag) => this.bento.deleteByTag({ tags: [tag] })))
    } finally {
      this.validated.invalidateAll()
    }
  }

  async invalidateCategory(category: CacheCategory): Promise<void> {
    await this.invalidate([`category:${category}`])
  }

  async clearAll(): Promise<void> {
    this.validated.invalidateAll()
    try {
      await this.bento.clear()
    } finally {
      this.validated.invalidateAll()
    }
  }

  stats() {
    const categories = Object.fromEntries(
      CACHE_CATEGORIES.map((category) => {
        const c = this.counters.get(category)!
        const served = c.hits + c.stale + c.misses
        return [
          category,
          {
            ...c,
            ttlSeconds: this.ttls[category],
            hitRate:
              served === 0 ? null : Math.round(((c.hits + c.stale) / served) * 10_000) / 10_000,
          },
        ]
      }),
    )
    return {
      enabled: this.enabled,
      categories,
      l1: { entries: this.l1.size, bytes: this.l1.calculatedSize, maxBytes: this.l1.maxSize },
      validated: this.validated.stats(),
    }
  }

  async disconnect(): Promise<void> {
    await this.bento.disconnectAll()
  }
}

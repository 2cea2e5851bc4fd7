import { createHash } from 'node:crypto'
import etag from '@fastify/etag'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import {
  type CacheCategory,
  type CachedResponse,
  CacheService,
  type CacheStatus,
} from '../cache/cache-service.ts'
import { CACHE_CHANNEL, type ChangeNotification, tagsForChange } from '../cache/db-invalidation.ts'
import { busConnectionOptions, createRedis } from '../cache/redis.ts'
import type { Config } from '../config.ts'

export interface CachedRouteOptions<T> {
  category: CacheCategory
  /** unique within the category; personal data must include the user */
  key: string
  tags: string[]
  /** public: shared caches may store it; private: personal data, only the user's browser */
  visibility: 'public' | 'private'
  load: () => Promise<T>
  /** tags learned from the loaded value (the rows it shows) */
  tagsOf?: (value: T) => string[]
}

declare module 'fastify' {
  interface FastifyInstance {
    cache: CacheService
    redis: Redis | null
    /**
     * Answers from the cache (X-Cache: HIT, STALE) or from `load` (MISS), with an ETag. A hit
     * already validated is sent at once and undefined returned; otherwise a promise that
     * settles once the reply is sent. Either way the handler returns what it got: the reply is
     * sent, nothing is left for Fastify to send.
     */
    sendCached<T>(reply: FastifyReply, options: CachedRouteOptions<T>): Promise<void> | undefined
  }
  interface FastifyRequest {
    /** how a cached route answered (X-Cache), null elsewhere: read by the metrics */
    cacheStatus: CacheStatus | null
  }
}

type Visibility = CachedRouteOptions<unknown>['visibility']

const PUBLIC_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300'
// personal answers: never in a shared cache; the browser revalidates with the ETag each time
const PRIVATE_CACHE_CONTROL = 'private, no-cache'
// invalidations arriving within this window are applied together (an import sends many)
const INVALIDATION_BATCH_MS = 10

// At startup, give Redis a moment to connect: the first requests would otherwise find it not
// yet ready, fail over to PostgreSQL and open the L2 circuit breaker for no reason. Past this
// the app starts anyway (fail-open) and the connection keeps trying.
const REDIS_STARTUP_WAIT_MS = 1_000

function waitUntilReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    redis.once('ready', done)
    function done() {
      clearTimeout(timer)
      redis.off('ready', done)
      resolve()
    }
  })
}

const JSON_TYPE = 'application/json; charset=utf-8'

const etagOf = (body: string) =>
  `"${createHash('sha1').update(body).digest('base64url').slice(0, 27)}"`

/**
 * The response cache: CacheService on the app, `sendCached` for routes, ETag/304 for every
 * response, and invalidation from database notifications, so that writes made outside the API
 * reach every instance's cache too.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const redis = config.REDIS_URL
      ? createRedis(config.REDIS_URL, config.REDIS_COMMAND_TIMEOUT_MS, app.log)
      : null
    if (redis) await waitUntilReady(redis, REDIS_STARTUP_WAIT_MS)
    const cache = new CacheService({
      config,
      redis,
      bus: config.REDIS_URL ? busConnectionOptions(config.REDIS_URL) : null,
      logger: app.log,
    })
    app.decorate('cache', cache)
    app.decorate('redis', redis)
    app.decorateRequest('cacheStatus', null)
    await app.register(etag)

    const cacheHeaders = (visibility: Visibility, entry: CachedResponse, status: CacheStatus) => ({
      'x-cache': status,
      etag: entry.etag,
      'cache-control': visibility === 'private' ? PRIVATE_CACHE_CONTROL : PUBLIC_CACHE_CONTROL,
      ...(visibility === 'private' ? { vary: 'Authorization' } : {}),
    })

    function send(
      reply: FastifyReply,
      visibility: Visibility,
      entry: CachedResponse,
      status: CacheStatus,
    ) {
      reply.request.cacheStatus = status
      return reply
        .headers(cacheHeaders(visibility, entry, status))
        .type(JSON_TYPE)
        .send(entry.body)
    }

    // A validated hit's headers, assembled once per entry: what `send` and the onSend hooks
    // (security headers) would set, as the flat [name, value, ...] list writeHead takes as is
    const hitHeaders = new WeakMap<CachedResponse, { visibility: Visibility; headers: string[] }>()
    function preparedHeaders(visibility: Visibility, entry: CachedResponse): readonly string[] {
      const known = hitHeaders.get(entry)
      if (known?.visibility === visibility) return known.headers
      const headers = Object.entries({
        ...app.jsonSecurityHeaders,
        ...cacheHeaders(visibility, entry, 'HIT'),
        'content-type': JSON_TYPE,
        'content-length': String(Buffer.byteLength(entry.body)),
      }).flat()
      hitHeaders.set(entry, { visibility, headers })
      return headers
    }

    /**
     * A validated hit, written to the socket in one writeHead: most of a cached read's time
     * otherwise goes to Fastify's reply pipeline (a dozen header() calls, four onSend hooks)
     * deciding the same headers again (decision 0016). The headers set on the way in (rate
     * limits, CORS) are kept, the request id added as the onSend hook would; the onResponse
     * hooks (metrics) still run. HEAD and conditional requests take the ordinary way, where
     * HEAD drops the body and @fastify/etag answers 304.
     */
    function writeHit(
      request: FastifyRequest,
      reply: FastifyReply,
      visibility: Visibility,
      entry: CachedResponse,
    ) {
      if (request.method !== 'GET' || request.headers['if-none-match'] !== undefined) {
        send(reply, visibility, entry, 'HIT')
        return
      }
      request.cacheStatus = 'HIT'
      const headers: unknown[] = preparedHeaders(visibility, entry).slice()
      const own = reply.getHeaders()
      for (const name in own) headers.push(name, own[name])
      headers.push('x-request-id', request.id)
      reply.hijack()
      reply.raw.writeHead(200, headers as string[])
      reply.raw.end(entry.body)
    }

    async function produceAndSend<T>(
      reply: FastifyReply,
      options: CachedRouteOptions<T>,
    ): Promise<void> {
      const { entry, status } = await cache.getOrProduce(
        options.category,
        options.key,
        options.tags,
        async () => {
          const value = await options.load()
          // the route's own response schema serializes, exactly as an uncached answer would be
          const body = reply.serialize(value) as string
          return { body, etag: etagOf(body), tags: options.tagsOf?.(value) }
        },
      )
      send(reply, options.visibility, entry, status)
    }

    app.decorate('sendCached', function sendCached<
      T,
    >(reply: FastifyReply, options: CachedRouteOptions<T>) {
      // a validated hit is answered at once; a handler that returns this undefined has replied
      const ready = cache.peek(options.category, options.key)
      if (ready) {
        writeHit(reply.request, reply, options.visibility, ready)
        return undefined
      }
      return produceAndSend(reply, options)
    })

    const pending = new Set<string>()
    let dropCategory = false
    let timer: NodeJS.Timeout | undefined
    const flush = async () => {
      timer = undefined
      const tags = [...pending]
      const everything = dropCategory
      pending.clear()
      dropCategory = false
      try {
        if (everything) {
          await cache.invalidateCategory('books')
          await cache.invalidateCategory('search')
        } else await cache.invalidate(tags)
      } catch (err) {
        app.log.warn({ err }, 'cache invalidation from a database notification failed')
      }
    }
    const schedule = () => {
      timer ??= setTimeout(flush, INVALIDATION_BATCH_MS)
    }
    const stopListening = await app.database.listen(CACHE_CHANNEL, {
      message(payload) {
        let tags: string[] | null = null
        try {
          tags = tagsForChange(JSON.parse(payload) as ChangeNotification)
        } catch {
          // an unreadable notification: drop everything rather than risk serving stale data
        }
        if (tags === null) dropCategory = true
        else for (const tag of tags) pending.add(tag)
        schedule()
      },
      gap() {
        // notifications were lost while the listener reconnected
        dropCategory = true
        schedule()
      },
    })

    app.addHook('onClose', async () => {
      clearTimeout(timer)
      await stopListening().catch((err) =>
        app.log.warn({ err }, 'stopping the cache listener failed'),
      )
      // with Redis gone or restarting, the bus's connections may fail as they close: shutting
      // down must still succeed, so that is logged, not thrown
      await cache
        .disconnect()
        .catch((err) => app.log.warn({ err }, 'closing the cache connections failed'))
      if (redis) await redis.quit().catch(() => redis.disconnect())
    })
  },
  { name: 'cache', dependencies: ['database', 'security-headers'] },
)

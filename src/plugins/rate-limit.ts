import createError from '@fastify/error'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { createRedis } from '../cache/redis.ts'
import type { Config } from '../config.ts'
import { publishRateLimitRejected, type RateLimitRejected } from '../lib/app-events.ts'
import type { ApiKeyPrincipal } from '../modules/accounts/api-keys.service.ts'
import { type LimitDecision, RateLimiters } from '../security/limiter.ts'
import {
  parseMultipliers,
  type RouteRateLimitConfig,
  type Tier,
  tierLimits,
  tiersOf,
} from '../security/rate-limit-tiers.ts'

declare module 'fastify' {
  interface FastifyContextConfig extends RouteRateLimitConfig {}
  interface FastifyInstance {
    rateLimiters: RateLimiters
  }
}

export const RateLimited = createError(
  'RATE_LIMITED',
  'Too many requests; retry after the number of seconds in Retry-After',
  429,
)

interface Caller {
  key: string
  kind: RateLimitRejected['keyKind']
  multiplier: number
  userId: number | null
}

// a presented API key is looked up once, then remembered this long (hits and misses alike)
const API_KEY_MEMO_MS = 30_000
const API_KEY_MEMO_MAX = 5_000
const REDIS_STARTUP_WAIT_MS = 1_000
// one 429 security event per counted key and tier per minute, however long the flood
const BURST_EVENT_WINDOW_MS = 60_000

function connected(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      redis.off('ready', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    redis.once('ready', done)
  })
}

/**
 * Multi-tier rate limits (global, auth, search, payment, reviews), each a long window with a
 * burst window on top, counted in Redis so every instance shares them, and per process while
 * Redis is away. Counting happens in onRequest, before authentication, validation and any
 * handler work, so floods cost a counter increment; logins are counted again per account once
 * the body is parsed, still before the password is hashed. The caller is counted as the user
 * of a valid access token, as an API key (limits scaled by the key's tier), or else as the
 * client address, which only the proxies listed in TRUST_PROXY can set.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    if (!config.RATE_LIMIT_ENABLED) return
    const redis: Redis | null = config.REDIS_URL
      ? createRedis(config.REDIS_URL, config.REDIS_COMMAND_TIMEOUT_MS, app.log)
      : null
    const limiters = new RateLimiters(tierLimits(config), config.RATE_LIMIT_PREFIX, redis, app.log)
    app.decorate('rateLimiters', limiters)
    app.addHook('onClose', async () => {
      redis?.disconnect()
    })
    // the first requests should count in Redis, not in this process because it was still connecting
    if (redis) await connected(redis, REDIS_STARTUP_WAIT_MS)

    const multipliers = parseMultipliers(config.RATE_LIMIT_API_KEY_MULTIPLIERS)
    const apiKeyMemo = new Map<string, { principal: ApiKeyPrincipal | null; until: number }>()
    // by route: the config object Fastify keeps per route and method (HEAD has its own)
    const tierMemo = new WeakMap<object, Tier[] | null>()

    async function apiKeyOf(key: string): Promise<ApiKeyPrincipal | null> {
      const now = Date.now()
      const known = apiKeyMemo.get(key)
      if (known && known.until > now) return known.principal
      const principal = await app.apiKeys.verify(key)
      if (apiKeyMemo.size >= API_KEY_MEMO_MAX) apiKeyMemo.clear()
      apiKeyMemo.set(key, { principal, until: now + API_KEY_MEMO_MS })
      return principal
    }

    /**
     * Who the request counts against. Anonymous requests (most of them) are answered without a
     * promise: only a presented API key or token needs an await.
     */
    function callerOf(request: FastifyRequest): Caller | Promise<Caller> {
      const apiKey = request.headers['x-api-key']
      if (typeof apiKey === 'string') return apiKeyCaller(request, apiKey)
      const authorization = request.headers.authorization
      if (authorization !== undefined) {
        const bearer = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization)
        if (bearer) return tokenCaller(request, bearer[1]!)
      }
      return addressCaller(request)
    }

    const addressCaller = (request: FastifyRequest): Caller => ({
      key: `ip:${request.ip}`,
      kind: 'ip',
      multiplier: 1,
      userId: null,
    })

    async function apiKeyCaller(request: FastifyRequest, apiKey: string): Promise<Caller> {
      const principal = await apiKeyOf(apiKey)
      if (!principal) return addressCaller(request)
      const multiplier = multipliers[principal.tier] ?? 1
      return { key: `key:${principal.keyId}`, kind: 'api-key', multiplier, userId: null }
    }

    async function tokenCaller(request: FastifyRequest, token: string): Promise<Caller> {
      try {
        const { userId } = await app.accessTokens.verify(token)
        return { key: `user:${userId}`, kind: 'user', multiplier: 1, userId }
      } catch {
        // an invalid token counts against the address that sent it
        return addressCaller(request)
      }
    }

    function tiersFor(request: FastifyRequest): Tier[] | null {
      const { url: route, config } = request.routeOptions
      // unmatched URLs (404) count against the global tier only
      if (!route) return ['global']
      let tiers = tierMemo.get(config)
      if (tiers === undefined) {
        tiers = tiersOf(request.method, route, config.rateLimit)
        tierMemo.set(config, tiers)
      }
      return tiers
    }

    function setHeaders(reply: FastifyReply, decision: LimitDecision) {
      reply.header('ratelimit-limit', decision.limit)
      reply.header('ratelimit-remaining', decision.remaining)
      reply.header('ratelimit-reset', decision.resetSeconds)
    }

    function refuse(
      request: FastifyRequest,
      reply: FastifyReply,
      tier: Tier,
      caller: Pick<Caller, 'key' | 'kind' | 'userId'>,
      decision: LimitDecision,
    ): never {
      reply.header('retry-after', decision.resetSeconds)
      const route = request.routeOptions.url
      publishRateLimitRejected({ tier, keyKind: caller.kind, ...(route ? { route } : {}) })
      const lockout = caller.kind === 'account'
      app.securityEvents.recordThrottled(`${tier}:${caller.key}`, BURST_EVENT_WINDOW_MS, {
        type: lockout ? 'account_locked' : 'rate_limit_burst',
        severity: lockout || tier === 'auth' || tier === 'payment' ? 'warning' : 'info',
        userId: caller.userId,
        ip: request.ip,
        detail: {
          tier,
          keyKind: caller.kind,
          window: decision.refusedBy,
          route: route ?? null,
          retryAfterSeconds: decision.resetSeconds,
          ...(lockout ? { account: caller.key.slice('account:'.length) } : {}),
        },
      })
      throw new RateLimited()
    }

    // auth routes are anonymous by nature: always counted by address (and then by account)
    const countedAs = (request: FastifyRequest, tier: Tier, caller: Caller): Caller =>
      tier === 'auth' ? { ...caller, key: `ip:${request.ip}`, kind: 'ip' } : caller

    /** Refuses with 429 if `decision` does; either way it is the one the headers speak for. */
    function enforce(
      request: FastifyRequest,
      reply: FastifyReply,
      tier: Tier,
      counted: Caller,
      decision: LimitDecision,
    ) {
      if (!decision.allowed) {
        setHeaders(reply, decision)
        refuse(request, reply, tier, counted, decision)
      }
    }

    /** Every tier in this process, synchronously (no Redis, or its breaker is open). */
    function countLocally(
      request: FastifyRequest,
      reply: FastifyReply,
      tiers: Tier[],
      caller: Caller,
    ) {
      let shown: LimitDecision | null = null
      for (const tier of tiers) {
        const counted = countedAs(request, tier, caller)
        shown = limiters.consumeLocally(tier, counted.key, counted.multiplier)
        enforce(request, reply, tier, counted, shown)
      }
      // the headers speak for the most specific tier the route is in
      if (shown) setHeaders(reply, shown)
    }

    async function countShared(
      request: FastifyRequest,
      reply: FastifyReply,
      tiers: Tier[],
      caller: Caller,
    ) {
      let shown: LimitDecision | null = null
      for (const tier of tiers) {
        const counted = countedAs(request, tier, caller)
        shown = await limiters.consume(tier, counted.key, counted.multiplier)
        enforce(request, reply, tier, counted, shown)
      }
      if (shown) setHeaders(reply, shown)
    }

    // Callback style: an anonymous caller counted in this process (no Redis, or Redis away) is
    // decided without a promise; a cached read spends most of its time in hooks like this one.
    app.addHook('onRequest', (request, reply, done) => {
      const tiers = tiersFor(request)
      if (!tiers) return done()
      const found = callerOf(request)
      if (found instanceof Promise || tiers.some((tier) => limiters.shared(tier))) {
        Promise.resolve(found)
          .then((caller) => countShared(request, reply, tiers, caller))
          .then(() => done(), done)
        return
      }
      try {
        countLocally(request, reply, tiers, found)
      } catch (error) {
        return done(error as Error)
      }
      done()
    })

    // Logins (and registrations) are counted per account too, so that an attacker rotating
    // addresses still gets 5 tries at one account. preValidation: the body is parsed, nothing
    // has been hashed yet. The hook is attached to the auth tier's routes only: on every other
    // route an async hook would cost a promise and a microtask turn for nothing.
    async function countAccount(request: FastifyRequest, reply: FastifyReply) {
      const email = (request.body as { email?: unknown } | null | undefined)?.email
      if (typeof email !== 'string' || email.length > 320) return
      const account = email.trim().toLowerCase()
      const caller = { key: `account:${account}`, kind: 'account' as const, userId: null }
      const decision = await limiters.consume('auth', caller.key)
      if (!decision.allowed) {
        setHeaders(reply, decision)
        refuse(request, reply, 'auth', caller, decision)
      }
    }
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      const inAuthTier = methods.some((method) =>
        tiersOf(method, route.url, route.config?.rateLimit)?.includes('auth'),
      )
      if (!inAuthTier) return
      const own = route.preValidation
      route.preValidation = [...(own ? (Array.isArray(own) ? own : [own]) : []), countAccount]
    })
  },
  { name: 'rate-limit', dependencies: ['auth', 'security-events'] },
)

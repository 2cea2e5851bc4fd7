import type { Config } from '../config.ts'

/**
 * Which rate-limit tier a route belongs to, decided by one table keyed by method and route
 * template, so that routes merged from other modules (search, orders, payments) get their tier
 * without an edit of their own. Every route also counts against the global tier; a route may
 * override the table with `config: { rateLimit: { tier } }`, or `config: { rateLimit: false }`
 * to be exempt (health probes are, so an orchestrator never gets throttled).
 */

export const TIERS = ['global', 'auth', 'search', 'payment', 'reviews'] as const
export type Tier = (typeof TIERS)[number]

export interface RouteRateLimitConfig {
  rateLimit?: false | { tier: Exclude<Tier, 'global'> }
}

interface TierRule {
  methods: readonly string[] | '*'
  pattern: RegExp
  tier: Exclude<Tier, 'global'> | null
}

const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'] as const

// First match wins: the payment webhook is listed before the payment rule so that the
// provider's retries are never throttled (it is verified by signature instead, a cheap HMAC).
// It is outside the global limit too: the local provider delivers its events through
// app.inject from 127.0.0.1, and a busy shop must not have its own payments throttled.
const RULES: TierRule[] = [
  { methods: ['POST'], pattern: /^\/api\/auth\/(login|register|refresh)$/, tier: 'auth' },
  { methods: ['GET', 'HEAD'], pattern: /^\/api\/search(\/|$)/, tier: 'search' },
  { methods: '*', pattern: /^\/api\/payments\/webhooks?(\/|$)/, tier: null },
  { methods: '*', pattern: /^\/api\/payments(\/|$)/, tier: 'payment' },
  { methods: WRITES, pattern: /^\/api\/orders(\/|$)/, tier: 'payment' },
  { methods: WRITES, pattern: /^\/api\/(books\/:[^/]+\/reviews|reviews)(\/|$)/, tier: 'reviews' },
]

/** Routes outside every limit: liveness and readiness probes, metrics scrapes. */
const EXEMPT = /^\/(health\/(live|ready)|metrics)$/

/**
 * The tiers a request to `method url` (a route template such as `/api/reviews/:id`) is counted
 * in: always global first, then at most one specific tier. Null means exempt from all.
 */
export function tiersOf(
  method: string,
  url: string,
  override?: RouteRateLimitConfig['rateLimit'],
): Tier[] | null {
  if (override === false || EXEMPT.test(url)) return null
  if (override) return ['global', override.tier]
  for (const rule of RULES) {
    if (rule.methods !== '*' && !rule.methods.includes(method)) continue
    if (!rule.pattern.test(url)) continue
    return rule.tier ? ['global', rule.tier] : null
  }
  return ['global']
}

export interface WindowLimit {
  points: number
  durationSeconds: number
}

export interface TierLimits {
  /** the long window: 1000 per 15 minutes */
  long: WindowLimit
  /** burst protection: a short window on top of the long one */
  burst: WindowLimit | null
}

const TIER_KEYS: Record<Tier, keyof Config> = {
  global: 'RATE_LIMIT_GLOBAL',
  auth: 'RATE_LIMIT_AUTH',
  search: 'RATE_LIMIT_SEARCH',
  payment: 'RATE_LIMIT_PAYMENT',
  reviews: 'RATE_LIMIT_REVIEWS',
}

/** "5/900,3/10" → 5 per 900 s with a burst limit of 3 per 10 s (the config schema checked it). */
export function parseLimitSpec(spec: string): TierLimits {
  const [long, burst] = spec.split(',').map((part) => {
    const [points, seconds] = part.split('/').map(Number)
    return { points: points!, durationSeconds: seconds! }
  })
  return { long: long!, burst: burst ?? null }
}

export function tierLimits(config: Config): Record<Tier, TierLimits> {
  return Object.fromEntries(
    TIERS.map((tier) => [tier, parseLimitSpec(String(config[TIER_KEYS[tier]]))]),
  ) as Record<Tier, TierLimits>
}

/** "standard:1,partner:5" → { standard: 1, partner: 5 }; unknown tiers count as 1. */
export function parseMultipliers(spec: string): Record<string, number> {
  return Object.fromEntries(
    spec
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [name, value] = pair.split(':')
        return [name!, Number(value)]
      }),
  )
}

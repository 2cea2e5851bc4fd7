import type { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { LocalWindows, type WindowCount } from './local-windows.ts'
import type { Tier, TierLimits, WindowLimit } from './rate-limit-tiers.ts'

export interface LimitDecision {
  allowed: boolean
  /** points of the window that decided (the tighter one when both allow) */
  limit: number
  remaining: number
  /** seconds until that window frees a point */
  resetSeconds: number
  /** which window refused: the short one means a burst */
  refusedBy: 'long' | 'burst' | null
  /** counted in this process only, because Redis was unavailable */
  local: boolean
}

export interface LimiterLogger {
  warn(obj: object, msg: string): void
}

// After Redis fails a command, the next requests go straight to the in-process counters for this
// long instead of each waiting out the command timeout against a frozen Redis.
const BREAKER_MS = 1_000
// rate-limiter-flexible's words when the client is not connected (rejectIfRedisNotReady)
const NOT_READY = /not ready/i

/**
 * One window counted in Redis (shared by every instance) with an in-process twin that takes over
 * while Redis is down or frozen, so a login or payment limit is never lifted by an outage, only
 * counted per process for its duration. The twin plays the part of rate-limiter-flexible's
 * `insuranceLimiter`, but here rather than inside the Redis limiter: the insured wrapper hides
 * the failure, and every request would then wait out the command timeout of a frozen Redis;
 * seeing the failure lets a breaker send the next requests straight to the twin.
 */
class SharedWindow {
  readonly local: LocalWindows
  private readonly redis: RateLimiterRedis | null

  constructor(
    readonly window: WindowLimit,
    keyPrefix: string,
    client: Redis | null,
    private readonly breaker: Breaker,
  ) {
    this.local = new LocalWindows(window.points, window.durationSeconds * 1000)
    this.redis = client
      ? new RateLimiterRedis({
          points: window.points,
          duration: window.durationSeconds,
          keyPrefix,
          storeClient: client,
          // a disconnected client fails at once (no offline queue) rather than queueing
          rejectIfRedisNotReady: true,
        })
      : null
  }

  /** Whether this request must ask Redis (else the twin alone decides, synchronously). */
  get shared(): boolean {
    return this.redis !== null && !this.breaker.open()
  }

  /** Counts in the twin only: no Redis configured, or the breaker is open. */
  consumeLocally(key: string): WindowCount {
    return this.local.consume(key)
  }

  /**
   * Counts in the twin and in Redis. The twin counts every request too, so falling back to it
   * never starts from a fresh budget, and the stricter of the two counts decides (a restarted
   * Redis has forgotten its counters).
   */
  async consume(key: string): Promise<{ count: WindowCount; local: boolean }> {
    const local = this.local.consume(key)
    if (!this.shared) return { count: local, local: true }
    try {
      const shared = await this.consumeInRedis(key)
      return { count: shared.consumedPoints >= local.consumedPoints ? shared : local, local: false }
    } catch (error) {
      // Redis failed: the twin decides. A command that failed slowly (a frozen Redis, a timeout)
      // also sends the next requests straight to it for a moment; a disconnected client fails
      // at once and needs no breaker.
      if (!NOT_READY.test((error as Error).message)) this.breaker.trip(error as Error)
      else this.breaker.report(error as Error)
      return { count: local, local: true }
    }
  }

  private async consumeInRedis(key: string): Promise<RateLimiterRes> {
    try {
      return await this.redis!.consume(key)
    } catch (error) {
      if (error instanceof RateLimiterRes) return error
      throw error
    }
  }
}

class Breaker {
  private openUntil = 0
  private reported = false

  constructor(private readonly logger: LimiterLogger) {}

  open(): boolean {
    return Date.now() < this.openUntil
  }

  trip(error: Error) {
    this.openUntil = Date.now() + BREAKER_MS
    this.report(error)
  }

  report(error: Error) {
    if (!this.reported) {
      this.logger.warn({ err: error.message }, 'rate limits counted per process: Redis unavailable')
      this.reported = true
    }
  }
}

interface TierWindows {
  long: SharedWindow
  burst: SharedWindow | null
}

/**
 * All the windows of all the tiers. API keys get limiters of their own, their points multiplied
 * by the key's tier (a partner key may do five times what an anonymous client may).
 */
export class RateLimiters {
  // per tier, per API-key multiplier: the long window and the burst window (if any)
  private readonly windows = new Map<Tier, Map<number, TierWindows>>()
  private readonly breaker: Breaker

  constructor(
    private readonly limits: Record<Tier, TierLimits>,
    private readonly prefix: string,
    private readonly client: Redis | null,
    logger: LimiterLogger,
  ) {
    this.breaker = new Breaker(logger)
  }

  private windowsFor(tier: Tier, multiplier: number): TierWindows {
    let byMultiplier = this.windows.get(tier)
    if (!byMultiplier) {
      byMultiplier = new Map()
      this.windows.set(tier, byMultiplier)
    }
    let pair = byMultiplier.get(multiplier)
    if (!pair) {
      pair = {
        long: this.newWindow(tier, 'long', multiplier)!,
        burst: this.newWindow(tier, 'burst', multiplier),
      }
      byMultiplier.set(multiplier, pair)
    }
    return pair
  }

  private newWindow(tier: Tier, which: 'long' | 'burst', multiplier: number): SharedWindow | null {
    const base = this.limits[tier][which]
    if (!base) return null
    const scaled = { ...base, points: Math.max(1, Math.floor(base.points * multiplier)) }
    const prefix = `${this.prefix}:${tier}:${which}:${multiplier}`
    return new SharedWindow(scaled, prefix, this.client, this.breaker)
  }

  /** Whether counting `tier` must ask Redis now; if not, consumeLocally decides at once. */
  shared(tier: Tier, multiplier = 1): boolean {
    return this.windowsFor(tier, multiplier).long.shared
  }

  /** Counts one request of `key` in both windows of `tier`, in this process only. */
  consumeLocally(tier: Tier, key: string, multiplier = 1): LimitDecision {
    const { long, burst } = this.windowsFor(tier, multiplier)
    return decide(long, long.consumeLocally(key), burst, burst?.consumeLocally(key), true)
  }

  /** Counts one request of `key` in both windows of `tier`, in Redis when it answers. */
  async consume(tier: Tier, key: string, multiplier = 1): Promise<LimitDecision> {
    const { long, burst } = this.windowsFor(tier, multiplier)
    const [l, b] = await Promise.all([long.consume(key), burst?.consume(key)])
    return decide(long, l.count, burst, b?.count, l.local || (b?.local ?? false))
  }
}

/** A request passes when both windows allow it; the headers speak for the tighter one. */
function decide(
  long: SharedWindow,
  l: WindowCount,
  burst: SharedWindow | null,
  b: WindowCount | undefined,
  local: boolean,
): LimitDecision {
  const longRefused = l.consumedPoints > long.window.points
  const burstRefused = b !== undefined && b.consumedPoints > burst!.window.points
  // the window that speaks: the one that refused, else the one with fewer points left
  const speaking =
    burstRefused && !longRefused
      ? { w: burst!, r: b! }
      : longRefused || !b || l.remainingPoints <= b.remainingPoints
        ? { w: long, r: l }
        : { w: burst!, r: b }
  return {
    allowed: !longRefused && !burstRefused,
    limit: speaking.w.window.points,
    remaining: speaking.r.remainingPoints,
    resetSeconds: Math.max(1, Math.ceil(speaking.r.msBeforeNext / 1000)),
    refusedBy: longRefused ? 'long' : burstRefused ? 'burst' : null,
    local,
  }
}

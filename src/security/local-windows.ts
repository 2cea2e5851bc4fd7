/** One fixed window's count for a key, as rate-limiter-flexible's RateLimiterRes reports it. */
export interface WindowCount {
  consumedPoints: number
  remainingPoints: number
  msBeforeNext: number
}

interface Entry {
  value: number
  expiresAt: number
}

// expired keys are swept at most this often (and at least once per window)
const SWEEP_EVERY_MS = 60_000

/**
 * Fixed windows counted in this process, with RateLimiterMemory's semantics: a key's window opens
 * at its first request and lasts `durationMs`; every request adds a point. Synchronous, unlike
 * the library's promise-returning consume: it is the twin every request passes, and a promise
 * chain there was a quarter of a cached read's CPU (decision 0014). Expired keys are dropped
 * lazily, without a timer per key.
 */
export class LocalWindows {
  private readonly counts = new Map<string, Entry>()
  private nextSweep = 0

  constructor(
    readonly points: number,
    private readonly durationMs: number,
  ) {}

  consume(key: string, now = Date.now()): WindowCount {
    let entry = this.counts.get(key)
    if (entry === undefined || entry.expiresAt <= now) {
      if (now >= this.nextSweep) this.sweep(now)
      entry = { value: 0, expiresAt: now + this.durationMs }
      this.counts.set(key, entry)
    }
    entry.value++
    return {
      consumedPoints: entry.value,
      remainingPoints: Math.max(this.points - entry.value, 0),
      msBeforeNext: entry.expiresAt - now,
    }
  }

  /** keys currently counted (expired ones may linger until the next sweep) */
  get size(): number {
    return this.counts.size
  }

  private sweep(now: number) {
    for (const [key, entry] of this.counts) if (entry.expiresAt <= now) this.counts.delete(key)
    this.nextSweep = now + Math.min(this.durationMs, SWEEP_EVERY_MS)
  }
}

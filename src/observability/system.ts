import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks'

/** Event-loop delay and process CPU, measured between two reads (one sampling interval). */
export class SystemProbe {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 })
  private lastCpu = process.cpuUsage()
  private lastAt = performance.now()
  private lastLagMs = 0

  constructor() {
    this.loop.enable()
  }

  /** p99 event-loop delay since the previous call (ms), then starts a new interval. */
  sample() {
    const now = performance.now()
    const cpu = process.cpuUsage(this.lastCpu)
    const elapsedMs = Math.max(1, now - this.lastAt)
    // the histogram's floor is its resolution: report only the delay beyond it
    const lagMs = this.loop.count > 0 ? Math.max(0, this.loop.percentile(99) / 1e6 - 20) : 0
    this.loop.reset()
    this.lastCpu = process.cpuUsage()
    this.lastAt = now
    this.lastLagMs = lagMs
    const memory = process.memoryUsage()
    return {
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 10,
      eventLoopLagMs: Math.round(lagMs * 100) / 100,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
    }
  }

  /** The lag measured at the last sample, or so far in this interval, whichever is larger. */
  eventLoopLagMs(): number {
    const current = this.loop.count > 0 ? Math.max(0, this.loop.percentile(99) / 1e6 - 20) : 0
    return Math.round(Math.max(current, this.lastLagMs) * 100) / 100
  }

  /** Forgets what was measured so far (startup: migrations and imports block the loop). */
  reset() {
    this.loop.reset()
    this.lastLagMs = 0
    this.lastCpu = process.cpuUsage()
    this.lastAt = performance.now()
  }

  stop() {
    this.loop.disable()
  }
}

export type SystemSample = ReturnType<SystemProbe['sample']>

/** Counts per key in one-minute buckets over the last two hours (error codes, security events). */
export class MinuteCounter {
  private readonly buckets = new Map<number, Map<string, number>>()

  add(key: string, at = Date.now(), count = 1) {
    const minute = Math.floor(at / 60_000)
    let bucket = this.buckets.get(minute)
    if (!bucket) {
      bucket = new Map()
      this.buckets.set(minute, bucket)
      for (const old of this.buckets.keys()) if (old < minute - 180) this.buckets.delete(old)
    }
    bucket.set(key, (bucket.get(key) ?? 0) + count)
  }

  /** Totals per key over [now - from, now - to) in minutes, e.g. (60, 0) = the last hour. */
  totals(fromMinutesAgo: number, toMinutesAgo = 0, now = Date.now()): Map<string, number> {
    const current = Math.floor(now / 60_000)
    const totals = new Map<string, number>()
    for (const [minute, bucket] of this.buckets) {
      const age = current - minute
      if (age >= fromMinutesAgo || age < toMinutesAgo) continue
      for (const [key, n] of bucket) totals.set(key, (totals.get(key) ?? 0) + n)
    }
    return totals
  }

  count(key: string, fromMinutesAgo: number, now = Date.now()): number {
    return this.totals(fromMinutesAgo, 0, now).get(key) ?? 0
  }
}

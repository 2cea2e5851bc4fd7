/**
 * Rolling windows per route (1, 5 and 15 minutes) with latency percentiles, throughput, error
 * rate and cache hit rate. Time is cut into 10-second buckets; each keeps its counts and a
 * bounded reservoir of durations, so memory stays flat under any load and a window's
 * percentiles come from at most a few thousand samples. Percentiles are therefore estimates
 * (exact until a bucket sees more requests than its reservoir holds).
 */

export const WINDOWS_MINUTES = [1, 5, 15] as const
export type WindowMinutes = (typeof WINDOWS_MINUTES)[number]

const BUCKET_MS = 10_000
const BUCKETS = (15 * 60_000) / BUCKET_MS
const RESERVOIR = 128
const MAX_ROUTES = 300

export interface RequestSample {
  durationMs: number
  status: number
  /** X-Cache of the answer, when the route is cached */
  cache?: string | undefined
}

interface Bucket {
  slot: number
  count: number
  serverErrors: number
  clientErrors: number
  cacheHits: number
  cacheLookups: number
  sumMs: number
  maxMs: number
  samples: number[]
}

export interface WindowStats {
  requests: number
  throughputPerSecond: number
  errorRate: number
  serverErrors: number
  clientErrors: number
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  meanMs: number | null
  maxMs: number | null
  cacheHitRate: number | null
  cacheLookups: number
}

const newBucket = (slot: number): Bucket => ({
  slot,
  count: 0,
  serverErrors: 0,
  clientErrors: 0,
  cacheHits: 0,
  cacheLookups: 0,
  sumMs: 0,
  maxMs: 0,
  samples: [],
})

class RouteSeries {
  private readonly ring: (Bucket | undefined)[] = new Array(BUCKETS)

  add(sample: RequestSample, at: number) {
    const slot = Math.floor(at / BUCKET_MS)
    const index = slot % BUCKETS
    let bucket = this.ring[index]
    if (!bucket || bucket.slot !== slot) {
      bucket = newBucket(slot)
      this.ring[index] = bucket
    }
    bucket.count++
    if (sample.status >= 500) bucket.serverErrors++
    else if (sample.status >= 400) bucket.clientErrors++
    if (sample.cache) {
      bucket.cacheLookups++
      if (sample.cache === 'HIT' || sample.cache === 'STALE') bucket.cacheHits++
    }
    bucket.sumMs += sample.durationMs
    if (sample.durationMs > bucket.maxMs) bucket.maxMs = sample.durationMs
    // reservoir sampling: each request of the bucket is kept with equal probability
    if (bucket.samples.length < RESERVOIR) bucket.samples.push(sample.durationMs)
    else {
      const j = Math.floor(Math.random() * bucket.count)
      if (j < RESERVOIR) bucket.samples[j] = sample.durationMs
    }
  }

  window(minutes: number, now: number): WindowStats {
    const last = Math.floor(now / BUCKET_MS)
    const first = last - (minutes * 60_000) / BUCKET_MS + 1
    return summarize(
      this.ring.filter((b): b is Bucket => !!b && b.slot >= first && b.slot <= last),
      minutes * 60,
    )
  }

  lastActivity(): number {
    let slot = -1
    for (const b of this.ring) if (b && b.slot > slot) slot = b.slot
    return slot * BUCKET_MS
  }
}

export function summarize(buckets: Bucket[], seconds: number): WindowStats {
  let requests = 0
  let serverErrors = 0
  let clientErrors = 0
  let cacheHits = 0
  let cacheLookups = 0
  let sumMs = 0
  let maxMs = 0
  const samples: [value: number, weight: number][] = []
  for (const b of buckets) {
    requests += b.count
    serverErrors += b.serverErrors
    clientErrors += b.clientErrors
    cacheHits += b.cacheHits
    cacheLookups += b.cacheLookups
    sumMs += b.sumMs
    if (b.maxMs > maxMs) maxMs = b.maxMs
    // a bucket's reservoir stands for all its requests: weight it accordingly
    const weight = b.count / Math.max(1, b.samples.length)
    for (const s of b.samples) samples.push([s, weight])
  }
  samples.sort((a, b) => a[0] - b[0])
  return {
    requests,
    throughputPerSecond: round(requests / seconds, 3),
    errorRate: requests === 0 ? 0 : round(serverErrors / requests, 4),
    serverErrors,
    clientErrors,
    p50Ms: percentile(samples, 0.5),
    p95Ms: percentile(samples, 0.95),
    p99Ms: percentile(samples, 0.99),
    meanMs: requests === 0 ? null : round(sumMs / requests, 2),
    maxMs: requests === 0 ? null : round(maxMs, 2),
    cacheHitRate: cacheLookups === 0 ? null : round(cacheHits / cacheLookups, 4),
    cacheLookups,
  }
}

/** Nearest-rank percentile of weighted values sorted by value. */
export function percentile(sorted: [number, number][], q: number): number | null {
  if (sorted.length === 0) return null
  let total = 0
  for (const [, w] of sorted) total += w
  const target = q * total
  let cumulative = 0
  for (const [value, w] of sorted) {
    cumulative += w
    if (cumulative >= target - 1e-9) return round(value, 2)
  }
  return round(sorted[sorted.length - 1]![0], 2)
}

export const round = (value: number, digits: number) => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

export interface RouteReport {
  route: string
  windows: Record<`${WindowMinutes}m`, WindowStats>
}

export class PerformanceTracker {
  private readonly routes = new Map<string, RouteSeries>()
  private readonly all = new RouteSeries()

  /** `route` is "METHOD /template"; `at` lets tests seed measurements in the past. */
  record(route: string, sample: RequestSample, at = Date.now()) {
    let series = this.routes.get(route)
    if (!series) {
      if (this.routes.size >= MAX_ROUTES) route = 'OTHER (route limit reached)'
      series = this.routes.get(route) ?? new RouteSeries()
      this.routes.set(route, series)
    }
    series.add(sample, at)
    this.all.add(sample, at)
  }

  overall(minutes: WindowMinutes, now = Date.now()): WindowStats {
    return this.all.window(minutes, now)
  }

  route(route: string, minutes: WindowMinutes, now = Date.now()): WindowStats | null {
    return this.routes.get(route)?.window(minutes, now) ?? null
  }

  /** Routes seen in the last 15 minutes, busiest first. */
  report(now = Date.now()): RouteReport[] {
    const reports: RouteReport[] = []
    for (const [route, series] of this.routes) {
      if (now - series.lastActivity() > 15 * 60_000) continue
      reports.push({
        route,
        windows: {
          '1m': series.window(1, now),
          '5m': series.window(5, now),
          '15m': series.window(15, now),
        },
      })
    }
    return reports.sort((a, b) => b.windows['15m'].requests - a.windows['15m'].requests)
  }
}

import type { PoolStats } from '../db/database.ts'
import type { RouteReport, WindowStats } from './performance-tracker.ts'
import type { SlowQuery } from './slow-queries.ts'

/**
 * Turns what was measured into advice: each rule looks at one kind of measurement and, when it
 * crosses a line, says what it saw and what to do about it, most severe first.
 */

export interface Insight {
  severity: 'info' | 'warning' | 'critical'
  kind: 'latency' | 'cache' | 'query' | 'errors' | 'resources'
  subject: string
  message: string
  advice: string
}

export interface InsightInputs {
  routes: RouteReport[]
  overall15m: WindowStats
  slowQueries: SlowQuery[]
  slowQueryThresholdMs: number
  /** error counts per code: the last hour, and the hour before */
  errorsLastHour: Map<string, number>
  errorsPreviousHour: Map<string, number>
  pool: PoolStats | null
  eventLoopLagMs: number
  heapUsedBytes: number
  heapLimitBytes: number
}

const SLOW_ROUTE_MS = 100
const UNCACHED_SLOW_ROUTE_MS = 250
const LOW_HIT_RATE = 0.5
const HIT_RATE_TARGET = 0.85
const MIN_REQUESTS = 20
const GROWTH = 10
const MIN_ERRORS = 10

const pct = (x: number) => `${Math.round(x * 100)} %`
const ms = (x: number) => `${Math.round(x)} ms`
const ORDER = { critical: 0, warning: 1, info: 2 } as const

export function computeInsights(i: InsightInputs): Insight[] {
  const out: Insight[] = []

  for (const { route, windows } of i.routes) {
    const w = windows['15m']
    if (w.requests < MIN_REQUESTS || w.p95Ms === null) continue
    if (w.cacheHitRate !== null && w.p95Ms > SLOW_ROUTE_MS && w.cacheHitRate < LOW_HIT_RATE) {
      out.push({
        severity: 'warning',
        kind: 'cache',
        subject: route,
        message: `${route} p95 is ${ms(w.p95Ms)} with ${pct(w.cacheHitRate)} cache hits`,
        advice:
          'raise its TTL (CACHE_TTL_* for its category) or invalidate by narrower tags, so ' +
          'more answers come from the cache',
      })
    } else if (w.cacheHitRate === null && w.p95Ms > UNCACHED_SLOW_ROUTE_MS) {
      out.push({
        severity: 'warning',
        kind: 'latency',
        subject: route,
        message: `${route} p95 is ${ms(w.p95Ms)} and it is not cached`,
        advice: 'cache it with sendCached, or look at its queries in the slow-query log',
      })
    }
    if (w.errorRate > 0.01 && w.serverErrors >= 5) {
      out.push({
        severity: w.errorRate > 0.05 ? 'critical' : 'warning',
        kind: 'errors',
        subject: route,
        message: `${route} fails ${pct(w.errorRate)} of its requests (${w.serverErrors} 5xx in 15 min)`,
        advice: 'open its error group in the error list: the request ids lead to the logs',
      })
    }
  }

  for (const q of i.slowQueries) {
    if (q.seqScans.length > 0) {
      out.push({
        severity: 'warning',
        kind: 'query',
        subject: q.query,
        message: `query ${q.query} scans sequentially (${q.seqScans.join(', ')}), ${ms(q.durationMs)}`,
        advice: `add an index on the filtered columns of ${q.seqScans.join(', ')}${q.planHint ? ` — plan: ${q.planHint}` : ''}`,
      })
    } else {
      out.push({
        severity: 'info',
        kind: 'query',
        subject: q.query,
        message: `query ${q.query} took ${ms(q.durationMs)} (threshold ${i.slowQueryThresholdMs} ms)`,
        advice: q.planHint
          ? `its plan: ${q.planHint}; check its indexes and row estimates`
          : 'check its plan with EXPLAIN ANALYZE',
      })
    }
  }

  for (const [code, now] of i.errorsLastHour) {
    const before = i.errorsPreviousHour.get(code) ?? 0
    if (now < MIN_ERRORS) continue
    if (before === 0) {
      out.push({
        severity: 'warning',
        kind: 'errors',
        subject: code,
        message: `error ${code} appeared: ${now} in the last hour, none the hour before`,
        advice: 'look at the newest error group with this code; a deployment or dependency changed',
      })
    } else if (now >= GROWTH * before) {
      out.push({
        severity: 'critical',
        kind: 'errors',
        subject: code,
        message: `error ${code} grew ${Math.round(now / before)}× in an hour (${before} → ${now})`,
        advice: 'look at the newest error group with this code; a deployment or dependency changed',
      })
    }
  }

  const all = i.overall15m
  if (all.cacheLookups >= 100 && all.cacheHitRate !== null && all.cacheHitRate < HIT_RATE_TARGET) {
    out.push({
      severity: 'info',
      kind: 'cache',
      subject: 'cache',
      message: `overall cache hit rate is ${pct(all.cacheHitRate)}, below the 85 % target`,
      advice: 'see which routes miss most above; warm hot keys after deployments',
    })
  }
  if (i.pool && i.pool.waiting > 0) {
    out.push({
      severity: 'warning',
      kind: 'resources',
      subject: 'database pool',
      message: `${i.pool.waiting} queries wait for a connection (pool ${i.pool.total}/${i.pool.max})`,
      advice: 'raise DB_POOL_MAX (within max_connections / PgBouncer) or shorten slow queries',
    })
  }
  if (i.eventLoopLagMs > 100) {
    out.push({
      severity: 'warning',
      kind: 'resources',
      subject: 'event loop',
      message: `event-loop p99 delay is ${ms(i.eventLoopLagMs)}`,
      advice: 'CPU-bound work blocks requests: move it to a worker or run more instances',
    })
  }
  if (i.heapLimitBytes > 0 && i.heapUsedBytes / i.heapLimitBytes > 0.85) {
    out.push({
      severity: 'warning',
      kind: 'resources',
      subject: 'memory',
      message: `heap is ${pct(i.heapUsedBytes / i.heapLimitBytes)} of its limit`,
      advice: 'lower CACHE_L1_MAX_MB or raise --max-old-space-size',
    })
  }
  return out.sort((a, b) => ORDER[a.severity] - ORDER[b.severity])
}

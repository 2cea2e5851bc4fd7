import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { CacheService } from '../cache/cache-service.ts'
import type { PoolStats } from '../db/database.ts'
import { SeriesHistogram } from './series-histogram.ts'

/**
 * Victoria's Prometheus metric families, on a registry of the app's own (several apps in one
 * process, as in tests, never share counters). Every label takes a bounded set of values:
 * route templates (never raw URLs), named queries, cache categories, tiers, stable error codes.
 */

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const RESULTS = [
  ['hits', 'hit'],
  ['stale', 'stale'],
  ['misses', 'miss'],
] as const
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

export interface MetricSources {
  cache: () => CacheService | undefined
  pool: () => PoolStats | null
}

export function createMetrics(sources: MetricSources) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 })

  const httpDuration = new SeriesHistogram(
    'victoria_http_request_duration_seconds',
    'HTTP request duration by method, route template and status code',
    ['method', 'route', 'status_code'] as const,
    HTTP_BUCKETS,
    registry,
  )
  const dbDuration = new Histogram({
    name: 'victoria_db_query_duration_seconds',
    help: 'Database query duration by named query (unnamed queries: verb_table or other)',
    labelNames: ['query', 'outcome'] as const,
    buckets: DB_BUCKETS,
    registers: [registry],
  })
  const slowQueries = new Counter({
    name: 'victoria_db_slow_queries_total',
    help: 'Queries slower than SLOW_QUERY_MS, by named query',
    labelNames: ['query'] as const,
    registers: [registry],
  })
  const errors = new Counter({
    name: 'victoria_errors_total',
    help: 'Problem responses by stable error code and status code',
    labelNames: ['code', 'status_code'] as const,
    registers: [registry],
  })
  const rateLimited = new Counter({
    name: 'victoria_rate_limit_rejections_total',
    help: 'Requests rejected by a rate limit, by tier',
    labelNames: ['tier'] as const,
    registers: [registry],
  })
  const securityEvents = new Counter({
    name: 'victoria_security_events_total',
    help: 'Security events (login failures, refresh-token reuse, ...) by type and severity',
    labelNames: ['type', 'severity'] as const,
    registers: [registry],
  })
  const alertsFiring = new Gauge({
    name: 'victoria_alerts_firing',
    help: 'In-process alert rules currently firing (1) or not (0)',
    labelNames: ['alert'] as const,
    registers: [registry],
  })
  const dependencyUp = new Gauge({
    name: 'victoria_dependency_up',
    help: 'Last health check of a dependency: 1 answering, 0 down',
    labelNames: ['dependency'] as const,
    registers: [registry],
  })

  // The cache service counts hits and misses itself (GET /api/admin/cache shows them); the
  // counter reads those totals at scrape time and adds what happened since the last scrape.
  const seen = new Map<string, number>()
  new Counter({
    name: 'victoria_cache_requests_total',
    help: 'Response cache lookups by category and result (hit, stale, miss)',
    labelNames: ['category', 'result'] as const,
    registers: [registry],
    collect() {
      const stats = sources.cache()?.stats()
      if (!stats) return
      for (const [category, c] of Object.entries(stats.categories)) {
        for (const [field, result] of RESULTS) {
          const key = `${category}:${result}`
          // never negative: a counter only goes up, even if the service's totals were reset
          const delta = Math.max(0, c[field] - (seen.get(key) ?? 0))
          seen.set(key, c[field])
          // inc by 0 too: the series exists from the first scrape, so rate() has a start
          this.inc({ category, result }, delta)
        }
      }
    },
  })
  new Gauge({
    name: 'victoria_db_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle, waiting clients, max)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = sources.pool()
      if (!pool) return
      this.set({ state: 'total' }, pool.total)
      this.set({ state: 'idle' }, pool.idle)
      this.set({ state: 'waiting' }, pool.waiting)
      this.set({ state: 'max' }, pool.max)
    },
  })

  return {
    registry,
    httpDuration,
    dbDuration,
    slowQueries,
    errors,
    rateLimited,
    securityEvents,
    alertsFiring,
    dependencyUp,
  }
}

export type Metrics = ReturnType<typeof createMetrics>

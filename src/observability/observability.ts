import { getHeapStatistics } from 'node:v8'
import type { CacheService } from '../cache/cache-service.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import type { AlertInputs, AlertThresholds } from './alert-rules.ts'
import { AlertManager } from './alerts.ts'
import { type ErrorForwarder, ErrorTracker } from './error-tracker.ts'
import { computeInsights } from './insights.ts'
import { createMetrics } from './metrics.ts'
import { PerformanceTracker, percentile, round } from './performance-tracker.ts'
import { queryName } from './query-names.ts'
import type { HistogramSeries } from './series-histogram.ts'
import { SlowQueryLog } from './slow-queries.ts'
import { MinuteCounter, SystemProbe } from './system.ts'

/**
 * Everything observability keeps for one app: Prometheus metrics, rolling windows, the history
 * the admin page charts, errors, slow queries, security counts, alerts and insights.
 */

export interface HistoryPoint {
  t: string
  requests: number
  throughputPerSecond: number
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  serverErrors: number
  clientErrors: number
  errorRate: number
  cacheHitRate: number | null
  cpuPercent: number
  rssBytes: number
  heapUsedBytes: number
  eventLoopLagMs: number
}

const HISTORY_POINTS = 360
const INTERVAL_RESERVOIR = 1_024

export interface ObservabilityOptions {
  config: Config
  database: Database
  release: string
  log: {
    warn(obj: object, msg: string): void
    info(obj: object, msg: string): void
  }
  cache: () => CacheService | undefined
  forwarder?: ErrorForwarder | null
  thresholds?: Partial<AlertThresholds>
}

export class Observability {
  readonly enabled: boolean
  readonly metrics
  readonly tracker = new PerformanceTracker()
  readonly errors: ErrorTracker
  readonly slowQueries: SlowQueryLog
  readonly alerts: AlertManager
  readonly system = new SystemProbe()
  /** problem responses per stable code, for "grew 10× in an hour" */
  readonly errorCodes = new MinuteCounter()
  /** security events per type, from the security layer's diagnostics channel */
  readonly security = new MinuteCounter()
  readonly release: string
  /** set by the metrics plugin: pings the database and Redis for the DependencyDown rule */
  dependencyProbe: () => Promise<AlertInputs['dependencies']> = async () => ({})
  private readonly history: HistoryPoint[] = []
  private readonly durationSeries = new Map<string, HistogramSeries<string>>()
  private interval = newInterval()
  private stopObserving: (() => void) | undefined

  constructor(private readonly options: ObservabilityOptions) {
    const { config, database } = options
    this.enabled = config.METRICS_ENABLED
    this.release = options.release
    this.metrics = createMetrics({
      cache: options.cache,
      pool: () => database.poolStats?.() ?? null,
    })
    this.errors = new ErrorTracker(database.db, {
      release: options.release,
      retentionDays: config.ERROR_RETENTION_DAYS,
      log: options.log,
      forwarder: options.forwarder ?? null,
    })
    this.slowQueries = new SlowQueryLog(database.db, config.SLOW_QUERY_MS)
    this.alerts = new AlertManager({
      repeatMs: config.ALERT_REPEAT_MS,
      webhookUrl: config.ALERT_WEBHOOK_URL,
      webhookSecret: config.ALERT_WEBHOOK_SECRET,
      log: options.log,
      ...(options.thresholds ? { thresholds: options.thresholds } : {}),
      onChange: (alert, firing) => this.metrics.alertsFiring.set({ alert }, firing ? 1 : 0),
    })
    if (this.enabled && database.observeQueries) {
      this.stopObserving = database.observeQueries((q) => {
        const name = queryName(q.sql)
        this.metrics.dbDuration.observe(
          { query: name, outcome: q.failed ? 'error' : 'ok' },
          q.durationMs / 1000,
        )
        if (this.slowQueries.observe(name, q.sql, q.parameters, q.durationMs)) {
          this.metrics.slowQueries.inc({ query: name })
        }
      })
    }
  }

  /** One finished request: histogram, rolling windows, the current history interval. */
  recordRequest(method: string, route: string, status: number, durationMs: number, cache?: string) {
    // the series per (method, route, status) is looked up once, not hashed per request
    const key = `${method} ${route} ${status}`
    let series = this.durationSeries.get(key)
    if (!series) {
      series = this.metrics.httpDuration.series({ method, route, status_code: String(status) })
      this.durationSeries.set(key, series)
    }
    series.observe(durationMs / 1000)
    this.tracker.record(`${method} ${route}`, { durationMs, status, cache })
    const i = this.interval
    i.requests++
    if (status >= 500) i.serverErrors++
    else if (status >= 400) i.clientErrors++
    if (cache) {
      i.cacheLookups++
      if (cache === 'HIT' || cache === 'STALE') i.cacheHits++
    }
    if (i.samples.length < INTERVAL_RESERVOIR) i.samples.push(durationMs)
    else {
      const j = Math.floor(Math.random() * i.requests)
      if (j < INTERVAL_RESERVOIR) i.samples[j] = durationMs
    }
  }

  recordProblem(code: string, status: number) {
    this.metrics.errors.inc({ code, status_code: String(status) })
    this.errorCodes.add(code)
  }

  /** Closes the current interval into a history point (the admin page's charts). */
  sample(now = Date.now()): HistoryPoint {
    const i = this.interval
    this.interval = newInterval()
    const seconds = Math.max(0.001, (now - i.started) / 1000)
    const sorted = i.samples.sort((a, b) => a - b).map((v) => [v, 1] as [number, number])
    const system = this.system.sample()
    const point: HistoryPoint = {
      t: new Date(now).toISOString(),
      requests: i.requests,
      throughputPerSecond: round(i.requests / seconds, 2),
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
      p99Ms: percentile(sorted, 0.99),
      serverErrors: i.serverErrors,
      clientErrors: i.clientErrors,
      errorRate: i.requests === 0 ? 0 : round(i.serverErrors / i.requests, 4),
      cacheHitRate: i.cacheLookups === 0 ? null : round(i.cacheHits / i.cacheLookups, 4),
      ...system,
    }
    this.history.push(point)
    if (this.history.length > HISTORY_POINTS) this.history.shift()
    return point
  }

  historyPoints(): HistoryPoint[] {
    return [...this.history]
  }

  alertInputs(dependencies: AlertInputs['dependencies'], now = Date.now()): AlertInputs {
    return {
      now,
      overall5m: this.tracker.overall(5, now),
      routes: this.tracker.report(now),
      security: {
        loginFailed5m: this.security.count('login_failed', 5, now),
        refreshReuse15m: this.security.count('refresh_token_reused', 15, now),
      },
      dependencies,
      eventLoopLagMs: this.system.eventLoopLagMs(),
    }
  }

  /** One evaluation of every alert rule on what is measured now; returns what was delivered. */
  async evaluateAlerts(now = Date.now()) {
    const dependencies = await this.dependencyProbe()
    for (const [name, d] of Object.entries(dependencies)) {
      if (d.status !== 'disabled') {
        this.metrics.dependencyUp.set({ dependency: name }, d.status === 'down' ? 0 : 1)
      }
    }
    return this.alerts.evaluate(this.alertInputs(dependencies, now))
  }

  insights(now = Date.now()) {
    const memory = process.memoryUsage()
    return computeInsights({
      routes: this.tracker.report(now),
      overall15m: this.tracker.overall(15, now),
      slowQueries: this.slowQueries.byName(),
      slowQueryThresholdMs: this.slowQueries.threshold,
      errorsLastHour: this.errorCodes.totals(60, 0, now),
      errorsPreviousHour: this.errorCodes.totals(120, 60, now),
      pool: this.options.database.poolStats?.() ?? null,
      eventLoopLagMs: this.system.eventLoopLagMs(),
      heapUsedBytes: memory.heapUsed,
      heapLimitBytes: getHeapStatistics().heap_size_limit,
    })
  }

  async close() {
    this.stopObserving?.()
    this.system.stop()
    await this.errors.flush()
    await this.alerts.settled()
  }
}

function newInterval() {
  return {
    started: Date.now(),
    requests: 0,
    serverErrors: 0,
    clientErrors: 0,
    cacheHits: 0,
    cacheLookups: 0,
    samples: [] as number[],
  }
}

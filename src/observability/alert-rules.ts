import type { RouteReport, WindowStats } from './performance-tracker.ts'

/**
 * The in-process alert rules. deploy/prometheus/alerts.yml states the same rules in PromQL for
 * a Prometheus server; thresholds here and there are kept equal (see docs in that file).
 */

export interface AlertInputs {
  now: number
  overall5m: WindowStats
  routes: RouteReport[]
  security: { loginFailed5m: number; refreshReuse15m: number }
  dependencies: Record<string, { status: string; detail?: string | undefined }>
  eventLoopLagMs: number
}

export interface AlertThresholds {
  errorRate: number
  minRequests: number
  routeP95Ms: number
  loginFailures5m: number
  cacheHitRate: number
  minCacheLookups: number
  eventLoopLagMs: number
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  errorRate: 0.05,
  minRequests: 20,
  routeP95Ms: 500,
  loginFailures5m: 20,
  cacheHitRate: 0.5,
  minCacheLookups: 50,
  eventLoopLagMs: 200,
}

export type Severity = 'warning' | 'critical'

export interface ActiveInstance {
  /** distinguishes instances of one rule, e.g. the route */
  key: string
  value: number
  description: string
}

export interface AlertRule {
  name: string
  severity: Severity
  summary: string
  evaluate(inputs: AlertInputs, t: AlertThresholds): ActiveInstance[]
}

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`

export const ALERT_RULES: AlertRule[] = [
  {
    name: 'VictoriaHighErrorRate',
    severity: 'critical',
    summary: 'More than 5 % of requests answer 5xx over 5 minutes',
    evaluate({ overall5m: w }, t) {
      if (w.requests < t.minRequests || w.errorRate <= t.errorRate) return []
      return [
        {
          key: 'all',
          value: w.errorRate,
          description: `${pct(w.errorRate)} of ${w.requests} requests failed with 5xx in 5 min`,
        },
      ]
    },
  },
  {
    name: 'VictoriaRouteLatencyHigh',
    severity: 'warning',
    summary: 'A route’s p95 latency is above 500 ms over 5 minutes',
    evaluate({ routes }, t) {
      return routes.flatMap(({ route, windows }) => {
        const w = windows['5m']
        if (w.requests < t.minRequests || w.p95Ms === null || w.p95Ms <= t.routeP95Ms) return []
        return [{ key: route, value: w.p95Ms, description: `${route} p95 is ${w.p95Ms} ms` }]
      })
    },
  },
  {
    name: 'VictoriaLoginBurst',
    severity: 'warning',
    summary: 'A burst of failed logins (credential stuffing or brute force)',
    evaluate({ security }, t) {
      const n = security.loginFailed5m
      if (n < t.loginFailures5m) return []
      return [{ key: 'all', value: n, description: `${n} failed logins in 5 min` }]
    },
  },
  {
    name: 'VictoriaRefreshTokenReuse',
    severity: 'critical',
    summary: 'A rotated refresh token was used again (a stolen session was revoked)',
    evaluate({ security }) {
      const n = security.refreshReuse15m
      if (n < 1) return []
      return [{ key: 'all', value: n, description: `${n} refresh-token reuse(s) in 15 min` }]
    },
  },
  {
    name: 'VictoriaDependencyDown',
    severity: 'critical',
    summary: 'A dependency (database, Redis) does not answer',
    evaluate({ dependencies }) {
      return Object.entries(dependencies)
        .filter(([, d]) => d.status === 'down')
        .map(([name, d]) => ({
          key: name,
          value: 0,
          description: `${name} is down${d.detail ? `: ${d.detail}` : ''}`,
        }))
    },
  },
  {
    name: 'VictoriaCacheHitRateCollapse',
    severity: 'warning',
    summary: 'Response cache hit rate fell below 50 % over 5 minutes',
    evaluate({ overall5m: w }, t) {
      if (w.cacheLookups < t.minCacheLookups || w.cacheHitRate === null) return []
      if (w.cacheHitRate >= t.cacheHitRate) return []
      return [
        {
          key: 'all',
          value: w.cacheHitRate,
          description: `cache hit rate ${pct(w.cacheHitRate)} over ${w.cacheLookups} lookups`,
        },
      ]
    },
  },
  {
    name: 'VictoriaEventLoopLagHigh',
    severity: 'warning',
    summary: 'The event loop is blocked (p99 delay above 200 ms)',
    evaluate({ eventLoopLagMs }, t) {
      if (eventLoopLagMs <= t.eventLoopLagMs) return []
      return [{ key: 'all', value: eventLoopLagMs, description: `p99 lag ${eventLoopLagMs} ms` }]
    },
  },
]

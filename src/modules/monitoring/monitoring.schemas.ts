import { Type } from 'typebox'
import { Health } from '../../observability/health-schema.ts'

const Ms = Type.Union([Type.Number(), Type.Null()])
const Rate = Type.Union([Type.Number(), Type.Null()])

export const WindowStats = Type.Object({
  requests: Type.Integer(),
  throughputPerSecond: Type.Number(),
  errorRate: Type.Number({ description: '5xx / requests' }),
  serverErrors: Type.Integer(),
  clientErrors: Type.Integer(),
  p50Ms: Ms,
  p95Ms: Ms,
  p99Ms: Ms,
  meanMs: Ms,
  maxMs: Ms,
  cacheHitRate: Rate,
  cacheLookups: Type.Integer(),
})

export const RouteReport = Type.Object({
  route: Type.String({ description: 'METHOD /route/template' }),
  windows: Type.Object({ '1m': WindowStats, '5m': WindowStats, '15m': WindowStats }),
})

export const HistoryPoint = Type.Object({
  t: Type.String({ format: 'date-time' }),
  requests: Type.Integer(),
  throughputPerSecond: Type.Number(),
  p50Ms: Ms,
  p95Ms: Ms,
  p99Ms: Ms,
  serverErrors: Type.Integer(),
  clientErrors: Type.Integer(),
  errorRate: Type.Number(),
  cacheHitRate: Rate,
  cpuPercent: Type.Number(),
  rssBytes: Type.Integer(),
  heapUsedBytes: Type.Integer(),
  heapTotalBytes: Type.Integer(),
  eventLoopLagMs: Type.Number(),
})

export const ErrorGroup = Type.Object({
  fingerprint: Type.String(),
  code: Type.String(),
  name: Type.String(),
  message: Type.String(),
  method: Type.Union([Type.String(), Type.Null()]),
  route: Type.Union([Type.String(), Type.Null()]),
  status: Type.Integer(),
  occurrences: Type.Integer(),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  lastRequestId: Type.Union([Type.String(), Type.Null()]),
  lastUserId: Type.Union([Type.Integer(), Type.Null()]),
  release: Type.Union([Type.String(), Type.Null()]),
})

const Severity = Type.Enum(['warning', 'critical'])

export const ActiveAlert = Type.Object({
  alert: Type.String(),
  key: Type.String(),
  severity: Severity,
  summary: Type.String(),
  description: Type.String(),
  value: Type.Number(),
  startsAt: Type.String(),
  lastSentAt: Type.String(),
  deliveries: Type.Integer(),
})

export const AlertEvent = Type.Object({
  status: Type.Enum(['firing', 'resolved']),
  repeat: Type.Boolean(),
  alert: Type.String(),
  key: Type.String(),
  severity: Severity,
  summary: Type.String(),
  description: Type.String(),
  value: Type.Number(),
  startsAt: Type.String(),
  endsAt: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
})

export const Insight = Type.Object({
  severity: Type.Enum(['info', 'warning', 'critical']),
  kind: Type.Enum(['latency', 'cache', 'query', 'errors', 'resources']),
  subject: Type.String(),
  message: Type.String(),
  advice: Type.String(),
})

export const SlowQuery = Type.Object({
  query: Type.String(),
  durationMs: Type.Number(),
  at: Type.String(),
  sql: Type.String(),
  planHint: Type.Union([Type.String(), Type.Null()]),
  seqScans: Type.Array(Type.String()),
})

const CacheCategory = Type.Object({
  hits: Type.Integer(),
  misses: Type.Integer(),
  stale: Type.Integer(),
  ttlSeconds: Type.Integer(),
  hitRate: Rate,
})

export const InsightsReport = Type.Object({
  generatedAt: Type.String(),
  insights: Type.Array(Insight),
})

export const MonitoringSummary = Type.Object({
  generatedAt: Type.String(),
  release: Type.String(),
  instrumentation: Type.Boolean({ description: 'METRICS_ENABLED' }),
  health: Health,
  overall: Type.Object({ '1m': WindowStats, '5m': WindowStats, '15m': WindowStats }),
  routes: Type.Array(RouteReport),
  history: Type.Array(HistoryPoint),
  errors: Type.Object({
    captured: Type.Integer({ description: 'since this instance started' }),
    groups: Type.Array(ErrorGroup),
  }),
  alerts: Type.Object({ active: Type.Array(ActiveAlert), recent: Type.Array(AlertEvent) }),
  insights: Type.Array(Insight),
  slowQueries: Type.Object({ thresholdMs: Type.Integer(), recent: Type.Array(SlowQuery) }),
  cache: Type.Object({
    enabled: Type.Boolean(),
    categories: Type.Record(Type.String(), CacheCategory),
    l1: Type.Object({ entries: Type.Integer(), bytes: Type.Integer(), maxBytes: Type.Integer() }),
  }),
  pool: Type.Union([
    Type.Object({
      total: Type.Integer(),
      idle: Type.Integer(),
      waiting: Type.Integer(),
      max: Type.Integer(),
    }),
    Type.Null(),
  ]),
  security: Type.Object({
    eventsLastHour: Type.Record(Type.String(), Type.Integer()),
  }),
})

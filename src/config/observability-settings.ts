import { Type } from 'typebox'

/** Observability: metrics, logs, error tracking, alerts, monitoring. Spread into the one env schema in src/config.ts. */
export const observabilitySettings = {
  // --- observability -------------------------------------------------------------------------
  METRICS_ENABLED: Type.Boolean({
    default: true,
    description: 'request, query and cache instrumentation (metrics, performance tracker)',
  }),
  METRICS_PORT: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 65535,
      description:
        'serve GET /metrics unauthenticated on this port only (else admin scope on PORT)',
    }),
  ),
  SENTRY_DSN: Type.Optional(
    Type.String({ pattern: '^https?://', description: 'forward captured errors to Sentry' }),
  ),
  SLOW_QUERY_MS: Type.Integer({
    minimum: 1,
    maximum: 600_000,
    default: 200,
    description: 'queries slower than this enter the slow-query log with a plan hint',
  }),
  ERROR_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 30,
    description: 'captured errors older than this are deleted',
  }),
  MONITORING_SAMPLE_INTERVAL_MS: Type.Integer({
    minimum: 50,
    maximum: 3_600_000,
    default: 10_000,
    description: 'how often the admin page history (throughput, latency, resources) is sampled',
  }),
  ALERTS_INTERVAL_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 15_000,
    description: 'how often alert rules are evaluated; 0 turns the evaluator off',
  }),
  ALERT_REPEAT_MS: Type.Integer({
    minimum: 1_000,
    maximum: 7 * 86_400_000,
    default: 3_600_000,
    description: 'a firing alert is delivered again this often while it stays active',
  }),
  ALERT_WEBHOOK_URL: Type.Optional(
    Type.String({ pattern: '^https?://', description: 'POST alerts here (signed JSON)' }),
  ),
  ALERT_WEBHOOK_SECRET: Type.Optional(
    Type.String({
      minLength: 16,
      description: 'HMAC-SHA256 key for the X-Victoria-Signature header of alert webhooks',
    }),
  ),
  MONITOR_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'npm run monitor: the Victoria to ask (default http://HOST:PORT)',
    }),
  ),
  MONITOR_API_KEY: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'npm run monitor: an API key with the admin scope',
    }),
  ),
}

import type { FastifyInstance } from 'fastify'
import { type HealthOptions, healthReport } from '../../observability/health-report.ts'

const ERROR_GROUPS_SHOWN = 20

/** What GET /api/admin/monitoring shows: everything observability measured, in one answer. */
export async function monitoringSummary(app: FastifyInstance, health: HealthOptions) {
  const o = app.observability
  const now = Date.now()
  const [report, groups] = await Promise.all([
    healthReport(app, health),
    o.errors.flush().then(() => o.errors.groups(ERROR_GROUPS_SHOWN)),
  ])
  const { enabled, categories, l1 } = app.cache.stats()
  return {
    generatedAt: new Date(now).toISOString(),
    release: o.release,
    instrumentation: o.enabled,
    health: report,
    overall: {
      '1m': o.tracker.overall(1, now),
      '5m': o.tracker.overall(5, now),
      '15m': o.tracker.overall(15, now),
    },
    routes: o.tracker.report(now),
    history: o.historyPoints(),
    errors: { captured: o.errors.captured, groups },
    alerts: { active: o.alerts.activeAlerts(), recent: o.alerts.recentEvents().slice(0, 20) },
    insights: o.insights(now),
    slowQueries: {
      thresholdMs: o.slowQueries.threshold,
      recent: o.slowQueries.recent().slice(0, 20),
    },
    cache: { enabled, categories, l1 },
    pool: app.database.poolStats?.() ?? null,
    security: { eventsLastHour: Object.fromEntries(o.security.totals(60, 0, now)) },
  }
}

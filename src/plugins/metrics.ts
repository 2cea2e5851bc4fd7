import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyError } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { appEvents, type RateLimitRejected, type SecurityEvent } from '../lib/app-events.ts'
import { checkDatabase, checkRedis } from '../observability/dependencies.ts'
import { type ErrorForwarder, sentryForwarder } from '../observability/error-tracker.ts'
import { Observability } from '../observability/observability.ts'

declare module 'fastify' {
  interface FastifyInstance {
    observability: Observability
  }
  interface FastifyRequest {
    /** the error thrown while handling it, for the error tracker */
    observedError: Error | null
    /** the stable code of a problem+json answer */
    problemCode: string | null
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
const PROBLEM_CODE = /"code":"([A-Za-z0-9_.-]{1,64})"/
const SWEEP_EVERY_MS = 6 * 3_600_000
const FIRST_SWEEP_MS = 30_000

export interface MetricsPluginOptions {
  config: Config
  release: string
}

/**
 * Instrumentation of every request, query and cache lookup (unless METRICS_ENABLED=false), the
 * error tracker on every 5xx, security and rate-limit events from the diagnostics channels,
 * and the background work: history sampling, alert evaluation, error retention.
 */
export default fp<MetricsPluginOptions>(
  async (app, { config, release }) => {
    let forwarder: ErrorForwarder | null = null
    if (config.SENTRY_DSN)
      forwarder = await sentryForwarder(config.SENTRY_DSN, release, config.NODE_ENV)
    const observability = new Observability({
      config,
      database: app.database,
      release,
      log: app.log,
      cache: () => (app.hasDecorator('cache') ? app.cache : undefined),
      forwarder,
    })
    observability.dependencyProbe = async () => {
      const [database, redis] = await Promise.all([checkDatabase(app), checkRedis(app)])
      return { database, redis }
    }
    app.decorate('observability', observability)
    app.decorateRequest('observedError', null)
    app.decorateRequest('problemCode', null)

    app.addHook('onError', (request, _reply, error: FastifyError, done) => {
      request.observedError = error
      done()
    })

    app.addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode >= 400 && typeof payload === 'string') {
        const type = reply.getHeader('content-type')
        if (typeof type === 'string' && type.startsWith('application/problem+json')) {
          const code = PROBLEM_CODE.exec(payload)?.[1] ?? null
          request.problemCode = code
          if (code) observability.recordProblem(code, reply.statusCode)
        }
      }
      done(null, payload)
    })

    app.addHook('onResponse', (request, reply, done) => {
      const status = reply.statusCode
      const route = request.routeOptions.url ?? 'unmatched'
      const method = METHODS.has(request.method) ? request.method : 'OTHER'
      if (observability.enabled) {
        observability.recordRequest(
          method,
          route,
          status,
          // from the request's arrival (before the first onRequest hook) to the answer's end
          reply.elapsedTime,
          request.cacheStatus ?? undefined,
        )
      }
      if (status >= 500) {
        const principal = request.principal
        observability.errors.capture({
          error: request.observedError ?? undefined,
          status,
          code: request.problemCode ?? `HTTP_${status}`,
          method,
          route,
          requestId: request.id,
          userId: principal?.kind === 'user' ? principal.userId : null,
          context: { url: request.url.split('?')[0], release },
        })
      }
      done()
    })

    const onRateLimited = (message: unknown) => {
      const event = message as RateLimitRejected
      observability.metrics.rateLimited.inc({ tier: String(event.tier).slice(0, 32) })
    }
    const onSecurityEvent = (message: unknown) => {
      const event = message as SecurityEvent
      const type = String(event.type).slice(0, 48)
      observability.metrics.securityEvents.inc({ type, severity: event.severity })
      observability.security.add(type)
    }
    subscribe(appEvents.rateLimitRejected.name, onRateLimited)
    subscribe(appEvents.securityEvent.name, onSecurityEvent)

    const timers: NodeJS.Timeout[] = []
    const every = (ms: number, task: () => unknown) => {
      const timer = setInterval(() => {
        Promise.resolve()
          .then(task)
          .catch((err) => app.log.warn({ err }, 'observability task failed'))
      }, ms)
      timer.unref()
      timers.push(timer)
    }
    app.addHook('onReady', async () => {
      observability.system.reset()
      every(config.MONITORING_SAMPLE_INTERVAL_MS, () => observability.sample())
      if (config.ALERTS_INTERVAL_MS > 0) {
        every(config.ALERTS_INTERVAL_MS, () => observability.evaluateAlerts())
      }
      every(SWEEP_EVERY_MS, () => observability.errors.sweep())
      const first = setTimeout(() => {
        observability.errors.sweep().catch((err) => app.log.warn({ err }, 'error retention failed'))
      }, FIRST_SWEEP_MS)
      first.unref()
      timers.push(first)
    })

    app.addHook('onClose', async () => {
      for (const timer of timers) clearInterval(timer)
      unsubscribe(appEvents.rateLimitRejected.name, onRateLimited)
      unsubscribe(appEvents.securityEvent.name, onSecurityEvent)
      await observability.close()
    })
  },
  { name: 'metrics', dependencies: ['database'] },
)

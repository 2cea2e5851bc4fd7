import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Principal } from '../../plugins/auth.ts'
import { SecurityEventsService } from './security-events.service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    securityEvents: SecurityEventsService
  }
}

export interface SecurityEventsOptions {
  retentionDays: number
  /** how often the retention cleanup runs; the first run is at startup */
  cleanupEveryMs?: number
}

const SIX_HOURS = 6 * 3600 * 1000
const API_KEY_USE_WINDOW_MS = 10 * 60 * 1000

const userOf = (principal: Principal | null) =>
  principal?.kind === 'user' ? principal.userId : null

/**
 * Stores security events, deletes those past retention, and records the events every route
 * raises alike: failed logins, admin actions (any successful admin write) and API-key use (at
 * most once per key every ten minutes). Lockouts and 429 bursts are raised by the rate limiter,
 * refresh-token reuse by the sessions service.
 */
export default fp<SecurityEventsOptions>(
  async (app, options) => {
    const service = new SecurityEventsService(app.database.db, app.log)
    service.start()
    app.decorate('securityEvents', service)

    const cleanup = async () => {
      try {
        const deleted = await service.deleteOlderThan(options.retentionDays)
        if (deleted > 0) app.log.info({ deleted }, 'security events past retention deleted')
      } catch (err) {
        app.log.warn({ err }, 'security event retention cleanup failed')
      }
    }
    let timer: NodeJS.Timeout | undefined
    app.addHook('onReady', async () => {
      void cleanup()
      timer = setInterval(cleanup, options.cleanupEveryMs ?? SIX_HOURS).unref()
    })
    app.addHook('onClose', async () => {
      clearInterval(timer)
      await service.stop()
    })

    // callback style: every response passes here, and an async hook costs a promise each time
    app.addHook('onResponse', (request, reply, done) => {
      recordFromResponse(request, reply)
      done()
    })

    function recordFromResponse(request: FastifyRequest, reply: FastifyReply) {
      const principal = request.principal
      const write = request.method !== 'GET' && request.method !== 'HEAD'
      // only writes and API-key use are recorded: the reads of everyone else (nearly all
      // traffic) stop here, before the route is even looked up
      if (!write && principal?.kind !== 'apiKey') return
      const route = request.routeOptions.url
      if (!route) return
      if (write && route.startsWith('/api/admin/') && reply.statusCode < 400) {
        service.record({
          type: 'admin_action',
          severity: 'info',
          userId: userOf(principal),
          ip: request.ip,
          detail: {
            method: request.method,
            route,
            url: request.url.split('?')[0],
            status: reply.statusCode,
            ...(principal?.kind === 'apiKey' ? { apiKeyId: principal.keyId } : {}),
          },
        })
      }
      if (route === '/api/auth/login' && request.method === 'POST' && reply.statusCode === 401) {
        const email = (request.body as { email?: unknown } | undefined)?.email
        service.record({
          type: 'login_failed',
          severity: 'warning',
          ip: request.ip,
          detail: { email: typeof email === 'string' ? email.trim().toLowerCase() : null },
        })
      }
      if (principal?.kind === 'apiKey') {
        service.recordThrottled(`api-key:${principal.keyId}`, API_KEY_USE_WINDOW_MS, {
          type: 'api_key_used',
          severity: 'info',
          ip: request.ip,
          detail: { apiKeyId: principal.keyId, tier: principal.tier, route },
        })
      }
    }
  },
  { name: 'security-events', dependencies: ['database'] },
)

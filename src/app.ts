import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import type { Config } from './config.ts'
import type { Database } from './db/database.ts'
import jobsPlugin from './jobs/jobs.plugin.ts'
import accountsRoutes from './modules/accounts/accounts.routes.ts'
import adminAccountsRoutes from './modules/accounts/admin-accounts.routes.ts'
import cacheAdminRoutes from './modules/admin/cache.routes.ts'
import maintenanceRoutes from './modules/admin/maintenance.routes.ts'
import catalogRoutes from './modules/catalog/catalog.routes.ts'
import catalogAdminRoutes from './modules/catalog-admin/catalog-admin.routes.ts'
import dashboardRoutes from './modules/dashboard/dashboard.routes.ts'
import libraryRoutes from './modules/library/library.routes.ts'
import adminPageRoutes from './modules/monitoring/admin-page.routes.ts'
import monitoringRoutes from './modules/monitoring/monitoring.routes.ts'
import adminOrdersRoutes from './modules/orders/admin-orders.routes.ts'
import ordersRoutes from './modules/orders/orders.routes.ts'
import paymentsPlugin from './modules/payments/payments.plugin.ts'
import webhookRoutes from './modules/payments/webhook.routes.ts'
import recommendationsRoutes from './modules/recommendations/recommendations.routes.ts'
import reviewsRoutes from './modules/reviews/reviews.routes.ts'
import searchRoutes from './modules/search/search.routes.ts'
import securityEventsPlugin from './modules/security-events/security-events.plugin.ts'
import securityEventsRoutes from './modules/security-events/security-events.routes.ts'
import { lazyChildLoggerFactory } from './observability/lazy-request-logger.ts'
import { loggerOptions } from './observability/logging.ts'
import { requestIdGenerator } from './observability/request-id.ts'
import authPlugin from './plugins/auth.ts'
import cachePlugin from './plugins/cache.ts'
import databasePlugin from './plugins/database.ts'
import docsPlugin from './plugins/docs.ts'
import errorsPlugin from './plugins/errors.ts'
import healthPlugin from './plugins/health.ts'
import loadSheddingPlugin from './plugins/load-shedding.ts'
import metricsPlugin from './plugins/metrics.ts'
import rateLimitPlugin from './plugins/rate-limit.ts'
import securityHeadersPlugin from './plugins/security-headers.ts'
import requestLimitsPlugin from './security/request-limits.ts'
import { VERSION } from './version.ts'

export interface AppDependencies {
  /** opened, migrated and owned by the caller; the app only uses it */
  database: Database
}

/**
 * Builds the Victoria API. Never listens: server.ts does, tests use `app.inject`.
 * `config.JWT_SECRET` must be resolved by then (server.ts uses resolveJwtSecret).
 */
export async function buildApp(config: Config, deps: AppDependencies) {
  if (!config.JWT_SECRET) throw new Error('buildApp needs config.JWT_SECRET (see resolveJwtSecret)')
  const app = Fastify({
    // JSON lines, secrets redacted; pino-pretty in development only
    logger: loggerOptions(config),
    // each request's child logger (request id bound) is built on its first line, not up front
    childLoggerFactory: lazyChildLoggerFactory,
    // an incoming X-Request-Id is believed only from the proxies TRUST_PROXY lists by address
    // (a CIDR entry there trusts X-Forwarded-For, not request ids: those stay ours)
    genReqId: requestIdGenerator(trustedProxies(config) || null),
    requestIdHeader: false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // only the listed proxies may say who the client is (X-Forwarded-For); never `true`
    trustProxy: trustedProxies(config),
    // while draining on shutdown, new requests on kept-alive sockets get 503 instead of hanging
    return503OnClosing: true,
    ajv: {
      customOptions: {
        // unknown parameters are an error (400), not silently dropped
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // callback-style hooks on the hot path: an async hook costs a promise and a microtask turn
  // on every request, a measurable share of a cached read (bench/README.md)
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })

  await app.register(errorsPlugin)
  // security headers, request limits and load shedding come before anything that does work
  await app.register(securityHeadersPlugin, { config })
  await app.register(requestLimitsPlugin, { config })
  await app.register(loadSheddingPlugin, { config })
  await app.register(databasePlugin, { database: deps.database })
  await app.register(metricsPlugin, { config, release: VERSION })
  await app.register(cachePlugin, { config })
  await app.register(docsPlugin, { version: VERSION })
  await app.register(healthPlugin, {
    version: VERSION,
    dataDir: config.DATABASE_URL ? null : config.VICTORIA_DATA_DIR,
  })
  await app.register(authPlugin, {
    secret: config.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  })
  await app.register(securityEventsPlugin, { retentionDays: config.SECURITY_EVENT_RETENTION_DAYS })
  // counted before authentication, validation and handlers of every route below
  await app.register(rateLimitPlugin, { config })
  await app.register(catalogRoutes)
  await app.register(searchRoutes)
  await app.register(accountsRoutes, {
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    sessionMaxAgeSeconds: config.SESSION_MAX_AGE_SECONDS,
  })
  // admin routes live in their own context whose onRequest hook demands the admin scope
  await app.register(adminAccountsRoutes)
  await app.register(cacheAdminRoutes)
  await app.register(catalogAdminRoutes)
  await app.register(securityEventsRoutes)
  // reviews: public reads, and a requireUser context inside for writes and votes
  await app.register(reviewsRoutes)
  // the caller's own library and dashboard: requireUser contexts
  await app.register(libraryRoutes)
  await app.register(dashboardRoutes)
  // orders and payments: the provider and services, the buyer's routes (requireUser), the
  // admin's (requireScope('admin')), and the public but signature-checked webhook
  await app.register(paymentsPlugin, { config })
  await app.register(ordersRoutes)
  await app.register(adminOrdersRoutes)
  await app.register(webhookRoutes)
  // recommendations (public similar books, a requireUser context inside), the maintenance jobs
  // that refresh their model and the statistics, and the admin route that runs them on demand
  await app.register(jobsPlugin, { config })
  await app.register(recommendationsRoutes)
  await app.register(maintenanceRoutes)
  // GET /metrics (admin, or alone on METRICS_PORT), the admin monitoring API and page
  await app.register(monitoringRoutes, { config })
  await app.register(adminPageRoutes)
  return app
}

/** TRUST_PROXY as Fastify wants it: a list of addresses or CIDRs, or false for none. */
function trustedProxies(config: Config): string[] | false {
  const list = config.TRUST_PROXY.split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  return list.length > 0 ? list : false
}

export type App = Awaited<ReturnType<typeof buildApp>>

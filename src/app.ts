import { randomUUID } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import type { Config } from './config.ts'
import type { Database } from './db/database.ts'
import accountsRoutes from './modules/accounts/accounts.routes.ts'
import adminAccountsRoutes from './modules/accounts/admin-accounts.routes.ts'
import cacheAdminRoutes from './modules/admin/cache.routes.ts'
import catalogRoutes from './modules/catalog/catalog.routes.ts'
import catalogAdminRoutes from './modules/catalog-admin/catalog-admin.routes.ts'
import dashboardRoutes from './modules/dashboard/dashboard.routes.ts'
import libraryRoutes from './modules/library/library.routes.ts'
import reviewsRoutes from './modules/reviews/reviews.routes.ts'
import authPlugin from './plugins/auth.ts'
import cachePlugin from './plugins/cache.ts'
import databasePlugin from './plugins/database.ts'
import docsPlugin from './plugins/docs.ts'
import errorsPlugin from './plugins/errors.ts'
import healthPlugin from './plugins/health.ts'
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
    logger: {
      level: config.LOG_LEVEL,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
    },
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
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

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  await app.register(errorsPlugin)
  await app.register(databasePlugin, { database: deps.database })
  await app.register(cachePlugin, { config })
  await app.register(docsPlugin, { version: VERSION })
  await app.register(healthPlugin, { version: VERSION })
  await app.register(authPlugin, {
    secret: config.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  })
  await app.register(catalogRoutes)
  await app.register(accountsRoutes, {
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    sessionMaxAgeSeconds: config.SESSION_MAX_AGE_SECONDS,
  })
  // admin routes live in their own context whose onRequest hook demands the admin scope
  await app.register(adminAccountsRoutes)
  await app.register(cacheAdminRoutes)
  await app.register(catalogAdminRoutes)
  // reviews: public reads, and a requireUser context inside for writes and votes
  await app.register(reviewsRoutes)
  // the caller's own library and dashboard: requireUser contexts
  await app.register(libraryRoutes)
  await app.register(dashboardRoutes)
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>

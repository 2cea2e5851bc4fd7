import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { buildTestApp } from '../../helpers/app.ts'
import type { Cleanup, TestDatabaseOptions } from '../../helpers/database.ts'

/**
 * The app's route table, as the security tests see it: every route the app registers, collected
 * with an onRoute hook that is added the moment Fastify creates the instance (Fastify announces
 * each new instance on the `fastify.initialization` diagnostics channel), so nothing registered
 * later can be missed and nothing has to be listed by hand.
 */

export interface Route {
  method: string
  url: string
  /** "GET /api/books/:id" */
  key: string
  /** the route validates a JSON body */
  bodySchema?: { additionalProperties?: unknown; properties?: Record<string, unknown> }
}

export type Access = 'public' | 'user' | 'admin'

/**
 * Routes anyone may call. Anything not listed here must refuse an anonymous caller with 401:
 * a new route that is neither listed nor protected fails the authorization matrix.
 */
export const PUBLIC_ROUTES = new Set(
  [
    ['GET', '/docs'],
    ['GET', '/docs/'],
    ['GET', '/docs/static/index.html'],
    ['GET', '/docs/static/swagger-initializer.js'],
    ['GET', '/docs/json'],
    ['GET', '/docs/yaml'],
    ['GET', '/docs/static/*'],
    ['GET', '/openapi.json'],
    ['GET', '/health/live'],
    ['GET', '/health/ready'],
    ['GET', '/api/health'],
    ['GET', '/api/books'],
    ['GET', '/api/books/:id'],
    ['GET', '/api/books/isbn/:isbn'],
    ['GET', '/api/authors'],
    ['GET', '/api/authors/:id'],
    ['GET', '/api/genres'],
    ['GET', '/api/series/:id'],
    ['GET', '/api/search'],
    ['GET', '/api/search/suggest'],
    ['GET', '/api/books/:id/reviews'],
    ['GET', '/api/reviews/:id'],
    ['GET', '/api/books/:id/similar'],
    ['POST', '/api/auth/register'],
    ['POST', '/api/auth/login'],
    ['POST', '/api/auth/refresh'],
    ['POST', '/api/auth/logout'],
    // the payment provider's webhook: no caller identity, trusted only through its signature
    ['POST', '/api/payments/webhook'],
    // CORS preflight (@fastify/cors): answers with headers only, for any path
    ['OPTIONS', '*'],
    // the admin monitoring page's static files: public; the data they show is admin-only
    ['GET', '/admin'],
    ['GET', '/admin/app.js'],
    ['GET', '/admin/app.css'],
  ].flatMap(([method, url]) => [
    `${method} ${url}`,
    // Fastify answers HEAD for every GET route with the same hooks
    ...(method === 'GET' ? [`HEAD ${url}`] : []),
  ]),
)

/** Admin routes that an API key with the `catalog:write` scope may also call. */
export const CATALOG_WRITE_ROUTE = /^\/api\/admin\/(books|authors|series|genres)(\/|$)/

export function accessOf(route: Route): Access {
  if (PUBLIC_ROUTES.has(route.key)) return 'public'
  if (route.url.startsWith('/api/admin/') || route.url === '/api/admin') return 'admin'
  // Prometheus exposition on the API port needs the admin scope (or lives on METRICS_PORT)
  if (route.url === '/metrics') return 'admin'
  return 'user'
}

/** A concrete URL for a route: every path parameter becomes `value`. */
export function urlFor(route: Route, value: string | number = 1): string {
  return route.url.replace(/:[A-Za-z0-9_]+/g, String(value)).replace('*', 'index.html')
}

export const hasBody = (route: Route) => ['POST', 'PUT', 'PATCH'].includes(route.method)

/** Collects the routes of every Fastify instance created while `build` runs. */
export async function withRouteTable<T>(build: () => Promise<T>): Promise<T & { routes: Route[] }> {
  const routes: Route[] = []
  const onInstance = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance }
    fastify.addHook('onRoute', (options: RouteOptions) => {
      for (const method of [options.method].flat()) {
        const bodySchema = options.schema?.body as Route['bodySchema']
        routes.push({
          method,
          url: options.url,
          key: `${method} ${options.url}`,
          ...(bodySchema ? { bodySchema } : {}),
        })
      }
    })
  }
  subscribe('fastify.initialization', onInstance)
  try {
    const built = await build()
    return { ...built, routes }
  } finally {
    unsubscribe('fastify.initialization', onInstance)
  }
}

/** The test app of test/helpers/app.ts, with its route table. */
export function buildAppWithRoutes(t: Cleanup, options: TestDatabaseOptions = {}) {
  return withRouteTable(() => buildTestApp(t, options))
}

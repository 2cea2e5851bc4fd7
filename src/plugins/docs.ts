import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/**
 * OpenAPI 3.1, generated from the route schemas (every route declares request and response
 * schemas, so the document is complete), served at /openapi.json with a reference UI at /docs.
 */
export default fp(
  async (app, opts: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Victoria API',
          version: opts.version,
          description:
            'The backend of a book platform: catalog, search, reviews, accounts, orders. ' +
            'Errors are RFC 9457 problem+json with a stable `code`.',
        },
        tags: [
          { name: 'books', description: 'The catalog of books' },
          { name: 'authors', description: 'Authors and their books' },
          { name: 'genres', description: 'Genres with book counts' },
          { name: 'series', description: 'Series in reading order' },
          { name: 'health', description: 'Liveness and readiness probes' },
        ],
      },
      refResolver: {
        buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`),
      },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'docs' },
)

import fp from 'fastify-plugin'
import type { Database } from '../db/database.ts'

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
  }
}

/**
 * Makes the database available to routes. The caller (server.ts or a test) opens it and owns
 * its lifetime: it migrates and seeds before the app exists and closes it after the app is
 * closed, so the app never serves against a half-prepared schema.
 */
export default fp<{ database: Database }>(
  async (app, { database }) => {
    app.decorate('database', database)
  },
  { name: 'database' },
)

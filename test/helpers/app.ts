import { buildApp } from '../../src/app.ts'
import { type Cleanup, openTestDatabase, type TestDatabaseOptions, testConfig } from './database.ts'

let apps = 0

/**
 * An app on a database of its own, closed when the test (or, given node:test's top-level
 * `after`, the file) ends. Use `app.inject` against it; nothing listens on a port.
 */
export async function buildTestApp(t: Cleanup, options: TestDatabaseOptions = {}) {
  const database = await openTestDatabase(options)
  // a Redis namespace of its own: test files share one Redis but never each other's entries
  const prefix = `test-${process.pid}-${++apps}`
  const app = await buildApp({ ...testConfig, CACHE_PREFIX: prefix }, { database })
  // the app first (it stops listening on the database), then its database
  t.after(async () => {
    await app.close()
    await database.close()
  })
  return { app, database, db: database.db }
}

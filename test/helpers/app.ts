import { buildApp } from '../../src/app.ts'
import {
  type Cleanup,
  createTestDatabase,
  type TestDatabaseOptions,
  testConfig,
} from './database.ts'

/**
 * An app on a database of its own, closed when the test (or, given node:test's top-level
 * `after`, the file) ends. Use `app.inject` against it; nothing listens on a port.
 */
export async function buildTestApp(t: Cleanup, options: TestDatabaseOptions = {}) {
  const database = await createTestDatabase(t, options)
  const app = await buildApp(testConfig, { database })
  t.after(() => app.close())
  return { app, database, db: database.db }
}

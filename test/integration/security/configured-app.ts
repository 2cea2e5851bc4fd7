import { buildApp } from '../../../src/app.ts'
import type { Config } from '../../../src/config.ts'
import { createTestDatabase, testConfig } from '../../helpers/database.ts'

/**
 * The test app with some settings changed (a short session lifetime, say): buildApp takes its
 * configuration as a value, so a test can hand it one without touching the environment. The app
 * is closed before its database.
 */
export async function buildConfiguredApp(
  register: (fn: () => Promise<void>) => void,
  overrides: Partial<Config>,
) {
  const closers: (() => unknown)[] = []
  const database = await createTestDatabase({ after: (fn) => closers.push(fn) })
  const app = await buildApp({ ...testConfig, ...overrides }, { database })
  register(async () => {
    await app.close()
    for (const close of closers) await close()
  })
  return { app, database, db: database.db }
}

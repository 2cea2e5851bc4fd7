import { type App, buildApp } from '../../../src/app.ts'
import { type Config, loadConfig } from '../../../src/config.ts'
import { type Cleanup, openTestDatabase, TEST_ENV } from '../../helpers/database.ts'
import { registerAdmin } from '../security/principals.ts'

let apps = 0

/**
 * An app with observability settings of the test's choosing (the evaluator off unless asked,
 * so alerts are evaluated when the test says), on a database of its own, and an admin.
 */
export async function buildMonitoredApp(
  t: Cleanup,
  overrides: Record<string, string> = {},
  options: { seed?: boolean; routes?: (app: App) => void; closeErrors?: unknown[] } = {},
) {
  const database = await openTestDatabase(options)
  const config: Config = {
    ...loadConfig({
      ...TEST_ENV,
      ALERTS_INTERVAL_MS: '0',
      ...overrides,
    }),
    CACHE_PREFIX: `test-mon-${process.pid}-${++apps}`,
  }
  const app = await buildApp(config, { database })
  t.after(async () => {
    try {
      await app.close()
    } catch (error) {
      if (!options.closeErrors) throw error
      options.closeErrors.push(error)
    }
    await database.close()
  })
  // test routes go in before the first request makes the app ready
  options.routes?.(app)
  const admin = await registerAdmin(app, database.db)
  return { app, database, db: database.db, admin, config }
}

/** Polls until `check` holds (the error tracker writes in the background). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 5_000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('condition not met in time')
}

/** The value of one sample in Prometheus text format, or undefined. */
export function sampleValue(text: string, name: string, labels: Record<string, string>) {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const match = /^([^{\s]+)(\{(.*)\})?\s+(\S+)/.exec(line)
    if (!match || match[1] !== name) continue
    const found = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    )
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[4])
  }
  return undefined
}

import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { buildApp } from './app.ts'
import { type Config, ConfigError, describeConfig, loadConfig } from './config.ts'
import { type Database, openDatabase } from './db/database.ts'
import { migrate } from './db/migrator.ts'
import { seedIfEmpty } from './import/seed-if-empty.ts'
import { resolveJwtSecret } from './lib/jwt-secret.ts'

/**
 * Starts Victoria: configuration → database (migrated; in embedded mode seeded on first start)
 * → app → listen. SIGTERM/SIGINT stop accepting, drain in-flight requests, close the pool, exit 0.
 */
async function main() {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`Victoria cannot start: ${error.message}\n`)
    process.exit(78) // EX_CONFIG
  }
  const log = pino({ level: config.LOG_LEVEL })
  const started = performance.now()
  log.info(describeConfig(config), 'starting Victoria')

  const database: Database = await openDatabase(config, log)
  const migrations = await migrate(database)
  if (migrations.applied.length > 0) log.info({ applied: migrations.applied }, 'migrations applied')
  if (!config.DATABASE_URL && config.AUTO_SEED) {
    await seedIfEmpty(database, config.GOODBOOKS_DIR, log)
  }

  const app = await buildApp(
    { ...config, JWT_SECRET: await resolveJwtSecret(config) },
    { database },
  )
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error')
    else log.info({ signal }, 'shutting down: draining in-flight requests')
    await app.close()
    await database.close()
  })
  await app.listen({ host: config.HOST, port: config.PORT })
  log.info({ bootMs: Math.round(performance.now() - started) }, 'Victoria is serving')
}

await main()

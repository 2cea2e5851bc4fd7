import { type Config, ConfigError, loadConfig } from '../config.ts'
import { openDatabase } from '../db/database.ts'
import { migrate } from '../db/migrator.ts'

/** `npm run db:migrate`: applies pending migrations and says which. */
async function main(): Promise<number> {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`db:migrate: ${error.message}\n`)
    return 78 // EX_CONFIG, as the server
  }
  const database = await openDatabase(config, {
    warn: (obj, msg) => process.stderr.write(`warning: ${msg} ${JSON.stringify(obj)}\n`),
  })
  try {
    const where = config.DATABASE_URL
      ? 'PostgreSQL'
      : `embedded PGlite in ${config.VICTORIA_DATA_DIR}`
    const result = await migrate(database)
    if (result.applied.length === 0) {
      process.stdout.write(
        `${where}: up to date (${result.alreadyApplied} migrations applied before)\n`,
      )
    } else {
      process.stdout.write(`${where}: applied ${result.applied.length} migration(s)\n`)
      for (const name of result.applied) process.stdout.write(`  ${name}\n`)
    }
    return 0
  } finally {
    await database.close()
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.stderr.write(`db:migrate failed: ${detail}\n`)
    process.exitCode = 1
  },
)

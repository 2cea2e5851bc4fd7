import { type Config, ConfigError, loadConfig } from '../config.ts'
import { type Database, openDatabase } from '../db/database.ts'

/**
 * The frame every database command shares: load the configuration (exit 78 naming every bad
 * key, as the server does), open the database, run, close, and turn a failure into a message
 * and exit code 1 rather than an unhandled rejection.
 */
export function runDatabaseCommand(
  name: string,
  command: (database: Database, config: Config) => Promise<number>,
) {
  const main = async (): Promise<number> => {
    let config: Config
    try {
      config = loadConfig()
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      process.stderr.write(`${name}: ${error.message}\n`)
      return 78 // EX_CONFIG
    }
    const database = await openDatabase(config, {
      warn: (obj, msg) => process.stderr.write(`warning: ${msg} ${JSON.stringify(obj)}\n`),
    })
    try {
      return await command(database, config)
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
      process.stderr.write(`${name} failed: ${detail}\n`)
      process.exitCode = 1
    },
  )
}

export const describeTarget = (config: Config) =>
  config.DATABASE_URL ? 'PostgreSQL' : `embedded PGlite in ${config.VICTORIA_DATA_DIR}`

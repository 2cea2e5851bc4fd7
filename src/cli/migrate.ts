import { migrate } from '../db/migrator.ts'
import { describeTarget, runDatabaseCommand } from './run-cli.ts'

/** `npm run db:migrate`: applies pending migrations and says which. */
runDatabaseCommand('db:migrate', async (database, config) => {
  const result = await migrate(database)
  const where = describeTarget(config)
  if (result.applied.length === 0) {
    process.stdout.write(
      `${where}: up to date (${result.alreadyApplied} migrations applied before)\n`,
    )
  } else {
    process.stdout.write(`${where}: applied ${result.applied.length} migration(s)\n`)
    for (const name of result.applied) process.stdout.write(`  ${name}\n`)
  }
  return 0
})

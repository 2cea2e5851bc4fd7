import { sql } from 'kysely'
import { migrate } from '../db/migrator.ts'
import { describeTarget, runDatabaseCommand } from './run-cli.ts'

/**
 * `npm run db:reset`: drops every table, view and function in the public schema and migrates
 * afresh, leaving an empty catalog (`npm run db:seed` fills it). Refuses to run when
 * NODE_ENV=production: there is no undo.
 */
runDatabaseCommand('db:reset', async (database, config) => {
  if (config.NODE_ENV === 'production') {
    process.stderr.write('db:reset: refusing to wipe a database with NODE_ENV=production\n')
    return 1
  }
  await database.db.transaction().execute(async (trx) => {
    await sql`DROP SCHEMA public CASCADE`.execute(trx)
    await sql`CREATE SCHEMA public`.execute(trx)
  })
  const result = await migrate(database)
  process.stdout.write(
    `${describeTarget(config)}: wiped and migrated (${result.applied.length} migrations); ` +
      'run "npm run db:seed" to import the catalog\n',
  )
  return 0
})

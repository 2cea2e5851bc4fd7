import { type Config, ConfigError, loadConfig } from '../config.ts'
import type { Counts } from '../import/bulk.ts'
import type { ImportSummary } from '../import/goodbooks-import.ts'
import type { RatingsImportSummary } from '../import/ratings-import.ts'
import type { SyntheticSummary } from '../import/synthetic.ts'
import { parseSeedArgs, type SeedArgs, USAGE, UsageError } from './seed-args.ts'

async function main(): Promise<number> {
  let args: SeedArgs
  let config: Config
  try {
    args = parseSeedArgs(process.argv.slice(2))
    config = loadConfig()
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(
        `db:seed: ${error.message}\nRun "npm run db:seed -- --help" for usage.\n`,
      )
      return 2
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`db:seed: ${error.message}\n`)
      return 78 // EX_CONFIG, as the server
    }
    throw error
  }
  if (args.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (args.skipGoodbooks && args.synthetic === null && !args.ratings) {
    process.stdout.write(
      'Nothing to import (--skip-goodbooks without --synthetic); migrating only.\n',
    )
  }

  // loaded only now, so that --help and a mistyped flag answer at once
  const { openDatabase } = await import('../db/database.ts')
  const { migrate } = await import('../db/migrator.ts')
  const { createProgress } = await import('./progress.ts')

  // A seed is a batch job: its statements and transactions legitimately outlast the limits
  // that protect the API from runaway queries.
  const database = await openDatabase(
    {
      ...config,
      DB_STATEMENT_TIMEOUT_MS: Math.max(config.DB_STATEMENT_TIMEOUT_MS, 600_000),
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: Math.max(
        config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
        600_000,
      ),
    },
    { warn: (obj, msg) => process.stderr.write(`warning: ${msg} ${JSON.stringify(obj)}\n`) },
  )
  const out = process.stdout
  try {
    const where = config.DATABASE_URL
      ? 'PostgreSQL'
      : `embedded PGlite in ${config.VICTORIA_DATA_DIR}`
    out.write(`Database: ${where}\n`)
    const migrations = await migrate(database)
    out.write(
      migrations.applied.length > 0
        ? `Migrations applied: ${migrations.applied.join(', ')}\n`
        : `Migrations: up to date (${migrations.alreadyApplied})\n`,
    )
    const progress = createProgress(out)
    if (!args.skipGoodbooks) {
      out.write(`Importing goodbooks-10k from ${config.GOODBOOKS_DIR}\n`)
      const { importGoodbooks } = await import('../import/goodbooks-import.ts')
      const summary = await importGoodbooks(database, {
        dir: config.GOODBOOKS_DIR,
        onProgress: (done, total, phase) => progress.update(done, total, phase),
      })
      progress.stop()
      out.write(goodbooksTable(summary))
    }
    if (args.ratings) {
      out.write(`Importing goodbooks-10k ratings from ${config.GOODBOOKS_DIR}\n`)
      const { importRatings } = await import('../import/ratings-import.ts')
      const summary = await importRatings(database, {
        dir: config.GOODBOOKS_DIR,
        onProgress: (done, total) => progress.update(done, total, 'ratings'),
      })
      progress.stop()
      out.write(ratingsTable(summary))
    }
    if (args.synthetic !== null) {
      out.write(
        `Generating ${args.synthetic.toLocaleString('en-US')} synthetic books (seed ${args.seed})\n`,
      )
      const { importSynthetic } = await import('../import/synthetic.ts')
      const summary = await importSynthetic(database, {
        count: args.synthetic,
        seed: args.seed,
        onProgress: (done, total) => progress.update(done, total, 'synthetic'),
      })
      progress.stop()
      out.write(syntheticTable(summary))
    }
    return 0
  } finally {
    await database.close()
  }
}

const num = (n: number) => n.toLocaleString('en-US')
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')
  return `${rows.map(line).join('\n')}\n`
}

function goodbooksTable(s: ImportSummary): string {
  const row = (label: string, c: Counts) => [label, num(c.inserted), num(c.skipped)]
  return `\n${table([
    ['goodbooks-10k', 'inserted', 'skipped'],
    row('books', s.books),
    row('authors', s.authors),
    row('series', s.series),
    row('genres', s.genres),
    row('book authors', s.bookAuthors),
    row('book series', s.bookSeries),
    row('book genres', s.bookGenres),
  ])}books without ISBN: ${num(s.booksWithoutIsbn)} (duplicate ISBN-13s dropped: ${num(s.duplicateIsbn13)})\nduration: ${seconds(s.durationMs)}\n\n`
}

function ratingsTable(s: RatingsImportSummary): string {
  return `\n${table([
    ['goodbooks ratings', 'inserted', 'skipped'],
    ['users', num(s.users.inserted), num(s.users.skipped)],
    ['reviews', num(s.reviews.inserted), num(s.reviews.skipped)],
  ])}ratings in file: ${num(s.ratingsInFile)} (book not in the catalog: ${num(s.missingBook)})\nduration: ${seconds(s.durationMs)}\n\n`
}

function syntheticTable(s: SyntheticSummary): string {
  return `\n${table([
    ['synthetic', 'inserted'],
    ['books', num(s.books)],
    ['authors', num(s.authors)],
    ['series', num(s.series)],
    ['book authors', num(s.bookAuthors)],
    ['book series', num(s.bookSeries)],
    ['book genres', num(s.bookGenres)],
  ])}duration: ${seconds(s.durationMs)} (${num(Math.round(s.books / Math.max(s.durationMs / 1000, 0.001)))} books/s)\n\n`
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.stderr.write(`db:seed failed: ${detail}\n`)
    process.exitCode = 1
  },
)

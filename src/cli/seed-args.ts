import { parseArgs } from 'node:util'

/** The command line of `npm run db:seed`, parsed apart from running it so that tests can check it. */

export const USAGE = `Usage: npm run db:seed -- [options]

Migrates the database, then imports the goodbooks-10k catalog from GOODBOOKS_DIR.
The goodbooks import is idempotent: books already present are skipped, so it is safe to re-run.

Options:
  --synthetic N     also generate N books (1 to 1,000,000). NOT idempotent: every run adds
                    N more books (with their own authors and series), never replacing earlier ones
  --seed S          seed of the synthetic generator (integer, default 1): same seed, same books
  --skip-goodbooks  do not import goodbooks-10k
  --ratings         also import goodbooks-10k's 233,383 ratings: 40,836 Goodreads readers as users
                    who cannot log in, their ratings as reviews without text. Idempotent; the
                    books' rating summaries already count them and do not change
  -h, --help        show this help

Environment: DATABASE_URL (PostgreSQL; when unset, embedded PGlite in VICTORIA_DATA_DIR),
GOODBOOKS_DIR (default data/goodbooks).
`

const MAX_SYNTHETIC = 1_000_000

export class UsageError extends Error {
  override name = 'UsageError'
}

export interface SeedArgs {
  synthetic: number | null
  seed: number
  skipGoodbooks: boolean
  ratings: boolean
  help: boolean
}

export function parseSeedArgs(argv: string[]): SeedArgs {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values } = parsed
  return {
    synthetic:
      values.synthetic === undefined
        ? null
        : integerFlag('--synthetic', values.synthetic, 1, MAX_SYNTHETIC),
    seed: values.seed === undefined ? 1 : integerFlag('--seed', values.seed, 0, 2 ** 32 - 1),
    skipGoodbooks: values['skip-goodbooks'] ?? false,
    ratings: values.ratings ?? false,
    help: values.help ?? false,
  }
}

const parse = (args: string[]) =>
  parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      synthetic: { type: 'string' },
      seed: { type: 'string' },
      'skip-goodbooks': { type: 'boolean' },
      ratings: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })

function integerFlag(flag: string, raw: string, min: number, max: number): number {
  // "1e6" and "1,000,000" are refused too: exactly what is meant or nothing
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `${flag} must be an integer from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')} (got ${JSON.stringify(raw)})`,
    )
  }
  return value
}

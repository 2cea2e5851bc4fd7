import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { Value } from 'typebox/value'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import { migrate } from '../db/migrator.ts'
import { isUniqueViolation } from '../lib/postgres-errors.ts'
import { RegisterBody } from '../modules/accounts/accounts.schemas.ts'
import { checkPasswordStrength } from '../modules/accounts/accounts.service.ts'
import { AdminAccountsService } from '../modules/accounts/admin-accounts.service.ts'
import { hashPassword } from '../modules/accounts/passwords.ts'
import { UsersRepository } from '../modules/accounts/users.repository.ts'
import { runDatabaseCommand } from './run-cli.ts'

/**
 * `npm run admin:create -- --email a@b.c [--name "Ada"]`: creates an administrator, or makes an
 * existing account one (its password is then left as it is). The password comes from
 * ADMIN_PASSWORD or one line on stdin, never from the command line, where `ps` and the shell's
 * history would show it; it must pass the rules registration applies.
 */

const USAGE = 'usage: npm run admin:create -- --email <email> [--name <display name>]\n'
const EX_USAGE = 64
const EX_DATAERR = 65

class UsageError extends Error {}

function readFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

function parse(argv: string[]) {
  if (argv.some((a) => /^--pass(word)?(=|$)/.test(a))) {
    throw new UsageError(
      'a password is never taken on the command line (ps and shell history would show it); ' +
        'set ADMIN_PASSWORD or pipe it on stdin',
    )
  }
  const values = readFlags(argv)
  if (values.help) return { help: true as const }
  const email = values.email?.trim()
  if (!email) throw new UsageError('--email is required')
  if (!Value.Check(RegisterBody.properties.email, email)) {
    throw new UsageError(`--email "${email}" is not an email address`)
  }
  const name = (values.name ?? email.split('@')[0]!).trim()
  if (!Value.Check(RegisterBody.properties.displayName, name) || name === '') {
    throw new UsageError('--name must be 1 to 100 characters')
  }
  return { help: false as const, email, name }
}

/** One line from stdin: typed without echo on a terminal, or the first line of a pipe. */
async function readSecretLine(prompt: string): Promise<string | null> {
  const stdin = process.stdin
  if (!stdin.isTTY) {
    const lines = createInterface({ input: stdin, terminal: false })
    try {
      for await (const line of lines) return line
      return null
    } finally {
      lines.close()
      stdin.destroy()
    }
  }
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve) => {
    let typed = ''
    const finish = (value: string | null) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      resolve(value)
    }
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(typed)
        if (char === '\u0003' || char === '\u0004') return finish(null) // Ctrl-C, Ctrl-D
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char
      }
    }
    stdin.on('data', onData)
  })
}

async function passwordFrom(config: Config): Promise<string> {
  if (config.ADMIN_PASSWORD !== undefined) return config.ADMIN_PASSWORD
  const line = await readSecretLine('Password for the new admin: ')
  if (line === null || line === '') {
    throw new UsageError('no password: set ADMIN_PASSWORD or give one line on stdin')
  }
  return line
}

async function createAdmin(
  args: { email: string; name: string },
  database: Database,
  config: Config,
): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`)
  const fail = (code: number, message: string) => {
    process.stderr.write(`admin:create: ${message}\n`)
    return code
  }

  // a fresh install may run this before the server ever started
  await migrate(database)
  const users = new UsersRepository(database.db)
  const existing = await users.findByEmail(args.email)
  if (existing) {
    if (existing.role !== 'admin') {
      await new AdminAccountsService(database.db).updateUser(existing.id, { role: 'admin' })
    }
    out(
      existing.role === 'admin'
        ? `${args.email} (user ${existing.id}) is already an admin; nothing changed`
        : `${args.email} (user ${existing.id}) is now an admin; their password is unchanged ` +
            'and their sessions were ended',
    )
    if (existing.disabled_at) out('note: this account is disabled and cannot log in')
    return 0
  }

  let password: string
  try {
    password = await passwordFrom(config)
  } catch (error) {
    if (error instanceof UsageError) return fail(EX_USAGE, error.message)
    throw error
  }
  if (!Value.Check(RegisterBody.properties.password, password)) {
    return fail(EX_DATAERR, 'the password must be 8 to 128 characters')
  }
  try {
    checkPasswordStrength(password, args.email)
  } catch (error) {
    return fail(EX_DATAERR, (error as Error).message)
  }
  try {
    const row = await users.create({
      email: args.email,
      displayName: args.name,
      passwordHash: await hashPassword(password),
      role: 'admin',
    })
    out(`created admin ${row.email} (user ${row.id})`)
    return 0
  } catch (error) {
    // someone registered the address while the password was being typed
    if (isUniqueViolation(error, 'users_email_lower_key')) {
      return fail(1, `${args.email} was registered meanwhile; run the command again to promote it`)
    }
    throw error
  }
}

// Arguments are checked before the database is opened: --help and a typo answer at once.
let parsed: ReturnType<typeof parse> | undefined
try {
  parsed = parse(process.argv.slice(2))
} catch (error) {
  if (!(error instanceof UsageError)) throw error
  process.stderr.write(`admin:create: ${error.message}\n${USAGE}`)
  process.exitCode = EX_USAGE
}
if (parsed?.help) process.stdout.write(USAGE)
else if (parsed) {
  const args = parsed
  runDatabaseCommand('admin:create', (database, config) => createAdmin(args, database, config))
}

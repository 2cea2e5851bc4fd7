import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type App, buildApp } from '../../../src/app.ts'
import { createPGlite, type Database, openPGlite } from '../../../src/db/database.ts'
import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
  testConfig,
} from '../../helpers/database.ts'

/** `npm run admin:create`, run as a process against a database of its own. */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const GOOD_PASSWORD = 'correct horse battery staple 42'

// PostgreSQL: a database of the test's own. PGlite: an empty data dir, which the command
// migrates itself, as on a fresh install.
const pgDatabase: TestDatabase | undefined =
  TEST_ENGINE === 'postgres' ? await createTestDatabase({ after }) : undefined
const dataDir = pgDatabase ? undefined : await mkdtemp(join(tmpdir(), 'victoria-admin-create-'))
if (dataDir) after(() => rm(dataDir, { recursive: true, force: true }))
const env: Record<string, string> = pgDatabase
  ? { DATABASE_URL: pgDatabase.url! }
  : { VICTORIA_DATA_DIR: dataDir! }

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function adminCreate(args: string[], extraEnv: Record<string, string> = {}, stdin?: string) {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin-create.ts', ...args], {
      cwd: ROOT,
      // only what the command needs: no DATABASE_URL or ADMIN_PASSWORD from the test run
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env, ...extraEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin ?? '')
  })
}

/** An app on the command's database; on PGlite only while the command is not running. */
async function withApp<T>(fn: (app: App, db: Database['db']) => Promise<T>): Promise<T> {
  const database = pgDatabase ?? openPGlite(await createPGlite(dataDir))
  const app = await buildApp(testConfig, { database })
  try {
    return await fn(app, database.db)
  } finally {
    await app.close()
    if (!pgDatabase) await database.close()
  }
}

const login = (app: App, email: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } })

test('creates an admin whose password comes from ADMIN_PASSWORD', async () => {
  const run = await adminCreate(['--email', 'ada@example.com', '--name', 'Ada Lovelace'], {
    ADMIN_PASSWORD: GOOD_PASSWORD,
  })
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stdout, /created admin ada@example\.com \(user \d+\)/)
  assert.doesNotMatch(run.stdout + run.stderr, /battery/)
  await withApp(async (app, db) => {
    const row = await db
      .selectFrom('users')
      .select(['role', 'display_name', 'password_hash'])
      .where('email', '=', 'ada@example.com')
      .executeTakeFirstOrThrow()
    assert.equal(row.role, 'admin')
    assert.equal(row.display_name, 'Ada Lovelace')
    assert.match(row.password_hash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    const session = (await login(app, 'ada@example.com', GOOD_PASSWORD)).json().session
    const keys = await app.inject({
      url: '/api/admin/api-keys',
      headers: { authorization: `Bearer ${session.accessToken}` },
    })
    assert.equal(keys.statusCode, 200, 'the new admin reaches admin routes')
  })
})

test('reads the password as one line on stdin when ADMIN_PASSWORD is unset', async () => {
  const run = await adminCreate(['--email', 'grace@example.com'], {}, `${GOOD_PASSWORD}\nignored\n`)
  assert.equal(run.code, 0, run.stderr)
  await withApp(async (app) => {
    const response = await login(app, 'grace@example.com', GOOD_PASSWORD)
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.json().user.role, 'admin')
    assert.equal(response.json().user.displayName, 'grace', 'the name defaults to the local part')
  })
})

test('promotes an existing user and leaves their password alone', async () => {
  const email = 'existing@example.com'
  const password = 'my own long passphrase'
  await withApp(async (app) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password, displayName: 'Existing' },
    })
    assert.equal(response.statusCode, 201, response.body)
  })
  const run = await adminCreate(['--email', 'EXISTING@example.com'], {
    ADMIN_PASSWORD: GOOD_PASSWORD,
  })
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stdout, /is now an admin; their password is unchanged/)
  await withApp(async (app) => {
    assert.equal((await login(app, email, GOOD_PASSWORD)).statusCode, 401)
    const response = await login(app, email, password)
    assert.equal(response.json().user.role, 'admin')
  })
  const again = await adminCreate(['--email', email])
  assert.equal(again.code, 0, again.stderr)
  assert.match(again.stdout, /already an admin; nothing changed/)
})

test('a password on the command line is refused before anything is written', async () => {
  for (const args of [
    ['--email', 'argv@example.com', '--password', GOOD_PASSWORD],
    ['--email', 'argv@example.com', `--password=${GOOD_PASSWORD}`],
  ]) {
    const run = await adminCreate(args)
    assert.equal(run.code, 64)
    assert.match(run.stderr, /never taken on the command line/)
    assert.doesNotMatch(run.stdout + run.stderr, /battery/)
  }
  await withApp(async (_app, db) => {
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'argv@example.com')
      .execute()
    assert.deepEqual(rows, [])
  })
})

test('registration’s password rules apply', async () => {
  const cases = [
    ['short', /8 to 128 characters/],
    ['password1', /commonly used passwords/],
    ['weak@example.com', /must not be the email/],
  ] as const
  for (const [password, message] of cases) {
    const run = await adminCreate(['--email', 'weak@example.com'], { ADMIN_PASSWORD: password })
    assert.equal(run.code, 65, `${password}: ${run.stderr}`)
    assert.match(run.stderr, message)
  }
  const none = await adminCreate(['--email', 'weak@example.com'])
  assert.equal(none.code, 64)
  assert.match(none.stderr, /no password: set ADMIN_PASSWORD or give one line on stdin/)
})

test('usage mistakes exit 64 and a bad ADMIN_PASSWORD exits 78 without echoing it', async () => {
  const missing = await adminCreate([])
  assert.equal(missing.code, 64)
  assert.match(missing.stderr, /--email is required/)
  const bad = await adminCreate(['--email', 'not-an-email'])
  assert.equal(bad.code, 64)
  const help = await adminCreate(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^usage: npm run admin:create/)

  const long = `${'secret-'.repeat(30)}tail`
  const config = await adminCreate(['--email', 'long@example.com'], { ADMIN_PASSWORD: long })
  assert.equal(config.code, 78)
  assert.match(config.stderr, /ADMIN_PASSWORD: .*a secret of 214 characters/)
  assert.doesNotMatch(config.stderr, /secret-secret/)
})

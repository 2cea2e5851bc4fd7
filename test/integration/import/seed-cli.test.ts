import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { createPGlite, openPGlite } from '../../../src/db/database.ts'
import { createTestDatabase, TEST_ENGINE } from '../../helpers/database.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function runSeed(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts', ...args], {
      cwd: ROOT,
      // only what the command needs: no DATABASE_URL leaking in from the test run
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
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
  })
}

test('a bad --synthetic value exits 2 with a clear message, before touching a database', async () => {
  const result = await runSeed(['--synthetic', '2000000'], {
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  })
  assert.equal(result.code, 2)
  assert.match(
    result.stderr,
    /--synthetic must be an integer from 1 to 1,000,000 \(got "2000000"\)/,
  )
})

test('--help prints the usage', async () => {
  const result = await runSeed(['--help'], {})
  assert.equal(result.code, 0)
  assert.match(result.stdout, /NOT idempotent/)
})

test('db:seed --skip-goodbooks --synthetic 100 migrates and generates', async (t) => {
  let env: Record<string, string>
  let count: () => Promise<number>
  if (TEST_ENGINE === 'postgres') {
    const database = await createTestDatabase(t)
    env = { DATABASE_URL: database.url! }
    count = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM books`.execute(database.db)).rows[0]!
        .n
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'victoria-seed-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    env = { VICTORIA_DATA_DIR: dir }
    count = async () => {
      const database = openPGlite(await createPGlite(dir))
      try {
        return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM books`.execute(database.db))
          .rows[0]!.n
      } finally {
        await database.close()
      }
    }
  }
  const result = await runSeed(['--skip-goodbooks', '--synthetic', '100', '--seed', '3'], env)
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stdout, /synthetic +inserted\nbooks +100\n/)
  assert.equal(await count(), 100)
})

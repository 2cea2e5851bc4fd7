import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { buildApp } from '../../../src/app.ts'
import { openDatabase } from '../../../src/db/database.ts'
import { migrate } from '../../../src/db/migrator.ts'
import { openTestDatabase, testConfig } from '../../helpers/database.ts'
import { registerUser } from '../../helpers/users.ts'
import { checkout, newBook, settle } from '../orders/orders-support.ts'

const run = promisify(execFile)

test('npm run payments:reconcile reports agreement, then the mismatch it is there to find', async (t) => {
  // a database another process can open: a PostgreSQL test database, or PGlite in a directory
  let env: Record<string, string>
  let database: Awaited<ReturnType<typeof openTestDatabase>>
  let cleanup: () => Promise<void>
  if (testConfig.DATABASE_URL) {
    database = await openTestDatabase()
    env = { DATABASE_URL: database.url! }
    cleanup = () => database.close()
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'victoria-reconcile-'))
    database = await openDatabase({ ...testConfig, VICTORIA_DATA_DIR: dir }, { warn() {} })
    await migrate(database)
    env = { VICTORIA_DATA_DIR: dir, DATABASE_URL: '' }
    cleanup = () => rm(dir, { recursive: true, force: true })
  }
  t.after(cleanup)
  const app = await buildApp(
    { ...testConfig, CACHE_PREFIX: `test-rc-${process.pid}` },
    { database },
  )
  const reader = await registerUser(app)
  const { order } = (
    await checkout(app, reader, [await newBook(database.db, 1234)], randomUUID())
  ).json()
  await settle(app)
  await app.close()
  if (!testConfig.DATABASE_URL) await database.close()

  const cli = (...args: string[]) =>
    run('npx', ['tsx', 'src/cli/payments-reconcile.ts', ...args], {
      env: { ...process.env, ...env, JWT_SECRET: testConfig.JWT_SECRET, LOG_LEVEL: 'silent' },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    )
  const clean = await cli('--json')
  assert.equal(clean.code, 0, clean.stdout)
  const report = JSON.parse(clean.stdout)
  assert.deepEqual([report.paidCents, report.capturedCents, report.mismatches], [1234, 1234, []])

  // money the ledger holds for an order the shop thinks failed
  const reopened = testConfig.DATABASE_URL
    ? database
    : await openDatabase(
        { ...testConfig, VICTORIA_DATA_DIR: env.VICTORIA_DATA_DIR! },
        { warn() {} },
      )
  await reopened.db
    .insertInto('local_payment_intents')
    .values({
      id: 'pi_local_stray',
      idempotency_key: 'stray',
      amount: 10,
      currency: 'USD',
      status: 'succeeded',
      amount_received: 10,
      order_id: order.id,
      client_secret: 'x',
    })
    .execute()
  if (!testConfig.DATABASE_URL) await reopened.close()
  const found = await cli()
  assert.equal(found.code, 2, found.stdout)
  assert.match(found.stdout, /duplicate-charge: order \d+ payment pi_local_stray/)
  assert.match(found.stdout, /Σ paid orders\s+1234 cents/)
})

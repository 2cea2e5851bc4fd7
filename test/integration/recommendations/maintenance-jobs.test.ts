import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { LOCK_KEYS, runMaintenanceJob } from '../../../src/jobs/maintenance.ts'
import { Scheduler } from '../../../src/jobs/scheduler.ts'
import { buildTestApp } from '../../helpers/app.ts'
import { TEST_ENGINE } from '../../helpers/database.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerAdmin } from '../security/principals.ts'

/**
 * Maintenance jobs run on one instance at a time (an advisory lock per job), on a schedule that
 * never overlaps itself and stops with the app.
 */

const silent = { warn() {} }

/** Waits until `done()` holds (polling), or fails after a generous deadline. */
async function eventually(done: () => boolean, what: string) {
  const deadline = Date.now() + 20_000
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`)
    await sleep(5)
  }
}

describe('the scheduler', () => {
  test('runs a job every interval, never two runs at once, and stop waits for the run', async () => {
    const scheduler = new Scheduler(silent)
    let running = 0
    let overlapped = false
    let runs = 0
    let finished = 0
    await scheduler.add({
      name: 'slow',
      intervalMs: 5,
      firstDelayMs: async () => 0,
      async run() {
        running++
        if (running > 1) overlapped = true
        runs++
        await sleep(30) // longer than the interval
        running--
        finished++
      },
    })
    await eventually(() => runs >= 3 && running === 1, 'the third run is in progress')
    await scheduler.stop()
    assert.equal(overlapped, false)
    assert.equal(finished, runs, 'stop returned after the run in progress')
    const after = runs
    await sleep(50)
    assert.equal(runs, after, 'nothing runs after stop')
  })

  test('an interval of 0 disables a job, and a failing run does not stop the schedule', async () => {
    const scheduler = new Scheduler(silent)
    let disabled = 0
    let attempts = 0
    await scheduler.add({ name: 'off', intervalMs: 0, run: async () => disabled++ })
    await scheduler.add({
      name: 'flaky',
      intervalMs: 5,
      firstDelayMs: async () => 0,
      async run() {
        attempts++
        throw new Error('refresh failed')
      },
    })
    await eventually(() => attempts >= 3, 'the failing job ran again')
    await scheduler.stop()
    assert.equal(disabled, 0)
  })
})

describe('one instance at a time', () => {
  test('a job that holds its lock elsewhere is skipped, and the admin route answers 409', async (t) => {
    if (TEST_ENGINE !== 'postgres') {
      t.skip('PGlite has a single session: there is no other instance to hold the lock')
      return
    }
    const { app, db, database } = await buildTestApp({ after })
    const admin = await registerAdmin(app, db)
    // another instance, in the middle of a refresh
    const other = new pg.Client({ connectionString: (database as { url?: string }).url })
    other.on('error', () => {}) // the test database may be dropped under it at the end
    await other.connect()
    try {
      await other.query('SELECT pg_advisory_lock($1)', [LOCK_KEYS.statistics])

      assert.equal(await runMaintenanceJob(db, 'statistics'), null)
      const busy = await app.inject({
        method: 'POST',
        url: '/api/admin/maintenance/refresh-statistics?job=statistics',
        headers: admin.headers,
      })
      assertProblem(busy, 409, 'MAINTENANCE_IN_PROGRESS')
      // the other job has a lock of its own
      assert.ok(await runMaintenanceJob(db, 'recommendations'))

      await other.query('SELECT pg_advisory_unlock($1)', [LOCK_KEYS.statistics])
      const run = await runMaintenanceJob(db, 'statistics')
      assert.equal(run?.job, 'statistics')
    } finally {
      await other.end()
    }
  })
})

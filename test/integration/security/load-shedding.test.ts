import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { assertProblem } from '../../helpers/problem.ts'
import { buildLimitedApp } from './rate-limit-apps.ts'

/**
 * RELIABILITY.md row 20: with the event loop blocked, requests are shed at once with 503 and
 * Retry-After, liveness still answers, nothing crashes, and service resumes by itself.
 */

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const close of closers) await close()
})

const { app } = await buildLimitedApp((fn) => closers.push(fn), {
  LOAD_SHEDDING_ENABLED: true,
  LOAD_SHEDDING_MAX_EVENT_LOOP_UTILIZATION: 0.9,
  LOAD_SHEDDING_MAX_EVENT_LOOP_DELAY_MS: 200,
  LOAD_SHEDDING_RETRY_AFTER_SECONDS: 7,
})
await app.ready()
// pressure is measured from two samples after ready (startup work is not overload)
await sleep(2_100)

function blockEventLoop(ms: number) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // busy: the event loop runs nothing else meanwhile
  }
}

/**
 * Keeps the event loop busy for `ms` in slices, yielding a moment between them. One long block
 * is not enough: the pressure sample taken when it ends covers the time since the previous
 * sample, idle part included (a 2.5 s block after up to 1 s of idling is an ELU of 0.71, under
 * the 0.9 limit). Between slices the sampler runs, and every sample after the first covers busy
 * time only.
 */
async function saturateEventLoop(ms: number) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    blockEventLoop(300)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('the first requests after startup are not shed', async () => {
  // (this file's app was built long enough ago; a fresh one is checked in server-process.test.ts)
  assert.equal((await app.inject('/api/genres')).statusCode, 200)
})

test('a blocked event loop sheds load with 503 + Retry-After; liveness answers', async (t) => {
  assert.equal((await app.inject('/api/genres')).statusCode, 200, 'serving before')
  // the pressure sample is taken once a second: stay busy across several of them
  await saturateEventLoop(3_000)
  const shed = await app.inject('/api/genres')
  assertProblem(shed, 503, 'OVERLOADED')
  assert.equal(shed.headers['retry-after'], '7')
  assert.ok(shed.headers['content-security-policy'], 'security headers on the 503 too')
  const live = await app.inject('/health/live')
  assert.equal(live.statusCode, 200, 'liveness is never shed')
  // it recovers without help once the loop is free
  let recoveredAfterMs = -1
  const started = Date.now()
  while (Date.now() - started < 10_000) {
    if ((await app.inject('/api/genres')).statusCode === 200) {
      recoveredAfterMs = Date.now() - started
      break
    }
    await sleep(100)
  }
  assert.ok(recoveredAfterMs >= 0, 'serving again within 10 s')
  t.diagnostic(`shed: 503 with Retry-After 7; liveness 200; recovered after ${recoveredAfterMs} ms`)
})

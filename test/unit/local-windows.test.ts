import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LocalWindows } from '../../src/security/local-windows.ts'

test('a window opens at the first request, counts each one, and refuses nothing itself', () => {
  const windows = new LocalWindows(3, 60_000)
  const counts = [0, 1, 2, 3].map((i) => windows.consume('ip:a', 1_000 + i * 10))
  assert.deepEqual(
    counts.map((c) => [c.consumedPoints, c.remainingPoints, c.msBeforeNext]),
    [
      [1, 2, 60_000],
      [2, 1, 59_990],
      [3, 0, 59_980],
      [4, 0, 59_970],
    ],
  )
})

test('keys are counted apart, and a window that has passed starts again from one', () => {
  const windows = new LocalWindows(5, 1_000)
  windows.consume('ip:a', 0)
  windows.consume('ip:a', 10)
  assert.equal(windows.consume('ip:b', 20).consumedPoints, 1)
  assert.equal(windows.consume('ip:a', 999).consumedPoints, 3)
  const fresh = windows.consume('ip:a', 1_000)
  assert.equal(fresh.consumedPoints, 1)
  assert.equal(fresh.msBeforeNext, 1_000)
})

test('expired keys are swept when new windows open, so memory follows the live keys', () => {
  const windows = new LocalWindows(5, 1_000)
  for (let i = 0; i < 1_000; i++) windows.consume(`ip:${i}`, 0)
  assert.equal(windows.size, 1_000)
  windows.consume('ip:late', 5_000)
  assert.equal(windows.size, 1)
})

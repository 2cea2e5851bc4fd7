import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseSeedArgs, UsageError } from '../../src/cli/seed-args.ts'

test('no flags: goodbooks only', () => {
  assert.deepEqual(parseSeedArgs([]), {
    synthetic: null,
    seed: 1,
    skipGoodbooks: false,
    ratings: false,
    help: false,
  })
})

test('--synthetic takes 1 to 1,000,000', () => {
  assert.equal(parseSeedArgs(['--synthetic', '1']).synthetic, 1)
  assert.equal(parseSeedArgs(['--synthetic=1000000']).synthetic, 1_000_000)
  for (const bad of ['0', '1000001', '-5', '1e6', '1,000', '2.5', 'many', '']) {
    assert.throws(() => parseSeedArgs(['--synthetic', bad]), UsageError, bad)
  }
  assert.throws(() => parseSeedArgs(['--synthetic']), UsageError)
})

test('--seed, --skip-goodbooks and --help', () => {
  assert.deepEqual(parseSeedArgs(['--skip-goodbooks', '--synthetic', '10', '--seed', '7']), {
    synthetic: 10,
    seed: 7,
    skipGoodbooks: true,
    ratings: false,
    help: false,
  })
  assert.equal(parseSeedArgs(['-h']).help, true)
})

test('--ratings asks for the goodbooks ratings too', () => {
  assert.equal(parseSeedArgs(['--ratings']).ratings, true)
  assert.equal(parseSeedArgs(['--skip-goodbooks', '--ratings']).skipGoodbooks, true)
  assert.throws(() => parseSeedArgs(['--ratings=yes']), UsageError)
})

test('unknown flags and positionals are refused', () => {
  assert.throws(() => parseSeedArgs(['--bogus']), UsageError)
  assert.throws(() => parseSeedArgs(['100']), UsageError)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config.ts'

test('an empty environment gives the embedded defaults', () => {
  const config = loadConfig({})
  assert.equal(config.PORT, 3000)
  assert.equal(config.HOST, '127.0.0.1')
  assert.equal(config.DATABASE_URL, undefined)
  assert.equal(config.VICTORIA_DATA_DIR, '.data')
  assert.equal(config.AUTO_SEED, true)
  assert.equal(config.NODE_ENV, 'development')
})

test('strings from the environment become numbers and booleans', () => {
  const config = loadConfig({ PORT: '8080', AUTO_SEED: 'false', DB_POOL_MAX: ' 20 ' })
  assert.equal(config.PORT, 8080)
  assert.equal(config.AUTO_SEED, false)
  assert.equal(config.DB_POOL_MAX, 20)
})

test('empty values count as unset', () => {
  assert.equal(loadConfig({ DATABASE_URL: '', PORT: '' }).DATABASE_URL, undefined)
})

test('every bad key is reported at once, each named', () => {
  let error: unknown
  try {
    loadConfig({
      PORT: 'eighty',
      DB_POOL_MAX: '0',
      NODE_ENV: 'staging',
      DATABASE_URL: 'mysql://localhost/db',
      AUTO_SEED: 'perhaps',
      LOG_LEVEL: 'loud',
    })
  } catch (e) {
    error = e
  }
  assert.ok(error instanceof ConfigError)
  const keys = error.problems.map((p) => p.split(':')[0]).sort()
  assert.deepEqual(keys, [
    'AUTO_SEED',
    'DATABASE_URL',
    'DB_POOL_MAX',
    'LOG_LEVEL',
    'NODE_ENV',
    'PORT',
  ])
  assert.match(error.message, /PORT: .*got "eighty"/)
})

test('unrelated environment variables are ignored', () => {
  assert.doesNotThrow(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', npm_config_x: '1' }))
})

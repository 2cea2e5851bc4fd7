import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, test } from 'node:test'
import { exceedsDepth } from '../../../src/security/request-limits.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { buildLimitedApp } from './rate-limit-apps.ts'

/**
 * RELIABILITY.md row 8: a body of 1 MB + 1 byte (413), `limit=1000000` (400), 10,000-deep JSON
 * (400, refused before it is parsed), a query string past its limit (414), a body that never
 * finishes arriving (408), and memory that stays bounded while oversized bodies keep coming.
 */

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const close of closers) await close()
})

const { app } = await buildLimitedApp((fn) => closers.push(fn), { REQUEST_TIMEOUT_MS: 1_000 })

const json = (payload: string) => ({
  method: 'POST' as const,
  url: '/api/auth/logout',
  headers: { 'content-type': 'application/json' },
  payload,
})

test('a body of 1 MB + 1 byte is refused with 413; 1 MB itself is read', async () => {
  const limit = 1024 * 1024
  const body = (size: number) => `{"refreshToken":"${'a'.repeat(size - 19)}"}`
  assert.equal(body(limit + 1).length, limit + 1)
  assertProblem(await app.inject(json(body(limit + 1))), 413, 'PAYLOAD_TOO_LARGE')
  // exactly the limit passes the size check and stops at validation (the token is too long)
  assertProblem(await app.inject(json(body(limit))), 400, 'VALIDATION_FAILED')
})

test('limit=1000000 is a validation error, not a million rows', async () => {
  const response = await app.inject('/api/books?limit=1000000')
  const problem = assertProblem(response, 400, 'VALIDATION_FAILED')
  assert.equal(problem.errors?.[0]?.field, 'limit')
})

test('10,000-deep JSON is refused before parsing; ordinary nesting is not', async () => {
  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`
  assertProblem(await app.inject(json(deep)), 400, 'JSON_TOO_DEEP')
  const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`
  assertProblem(await app.inject(json(objects)), 400, 'JSON_TOO_DEEP')
  // 33 levels: one past the default of 32
  assertProblem(await app.inject(json(`${'['.repeat(33)}${']'.repeat(33)}`)), 400, 'JSON_TOO_DEEP')
  // brackets inside strings are text, not nesting
  assert.equal(exceedsDepth(`{"refreshToken":"${'['.repeat(100)}"}`, 32), false)
  assert.equal(exceedsDepth(`["\\"${'['.repeat(40)}"]`, 32), false)
  const flat = await app.inject(json(`{"refreshToken":"${'['.repeat(100)}"}`))
  // an unknown refresh token: logout answers 204 either way
  assert.equal(flat.statusCode, 204, flat.body)
})

test('prototype pollution keys are refused', async () => {
  for (const body of [
    '{"__proto__":{"isAdmin":true},"refreshToken":"x"}',
    '{"constructor":{"prototype":{"isAdmin":true}},"refreshToken":"x"}',
  ]) {
    const response = await app.inject(json(body))
    assert.equal(response.statusCode, 400, body)
  }
  assert.equal(({} as Record<string, unknown>).isAdmin, undefined)
})

test('a query string longer than 4 KB is refused with 414', async () => {
  assertProblem(await app.inject(`/api/books?q=${'a'.repeat(4096)}`), 414, 'QUERY_TOO_LONG')
  // up to the limit it is read (and then judged by the route's schema)
  const atLimit = await app.inject(`/api/books?sort=${'a'.repeat(4091)}`)
  assert.equal(atLimit.statusCode, 400)
  assert.notEqual(atLimit.json<{ code: string }>().code, 'QUERY_TOO_LONG')
})

test('oversized bodies keep memory bounded', async (t) => {
  const big = `{"refreshToken":"${'a'.repeat(1024 * 1024)}"}`
  global.gc?.()
  const before = process.memoryUsage().rss
  for (let i = 0; i < 100; i++) {
    assert.equal((await app.inject(json(big))).statusCode, 413)
  }
  global.gc?.()
  const grownMb = (process.memoryUsage().rss - before) / 1024 / 1024
  t.diagnostic(`100 bodies of 1 MB refused; resident memory grew by ${grownMb.toFixed(1)} MB`)
  // each body is 1 MB; keeping them would mean 100 MB and more
  assert.ok(grownMb < 64, `rss grew by ${grownMb} MB`)
})

test('a body that stops arriving is answered 408 (requestTimeout)', async () => {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = new URL(address)
  const socket = connect(Number(port), '127.0.0.1')
  const answer = await new Promise<string>((resolve, reject) => {
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk
    })
    socket.on('close', () => resolve(data))
    socket.on('error', reject)
    socket.write(
      'POST /api/auth/logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"refreshToken":',
    )
    // and nothing more: Node checks request timeouts every 30 s by default
  })
  assert.match(answer, /^HTTP\/1\.1 408 /)
})

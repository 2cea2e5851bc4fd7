import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import Fastify from 'fastify'
import { lazyChildLoggerFactory } from '../../src/observability/lazy-request-logger.ts'

/** A Fastify app whose log lines are collected, parsed, in memory. */
function appWithLines(level: string) {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      callback()
    },
  })
  const app = Fastify({
    logger: { level, stream },
    childLoggerFactory: lazyChildLoggerFactory,
    disableRequestLogging: true,
  })
  return { app, lines }
}

test('every line a request writes carries its request id, also through a child', async () => {
  const { app, lines } = appWithLines('info')
  app.get('/', async (request) => {
    request.log.info('from the handler')
    request.log.child({ userId: 7 }).warn('from a child')
    request.log.debug('below the level')
    return { ok: true }
  })
  const response = await app.inject({ url: '/' })
  assert.equal(response.statusCode, 200)
  const messages = lines.map((line) => line.msg)
  assert.deepEqual(messages, ['from the handler', 'from a child'])
  for (const line of lines) assert.ok(typeof line.reqId === 'string' && line.reqId.length > 0)
  assert.equal(lines[0]!.reqId, lines[1]!.reqId)
  assert.equal(lines[1]!.userId, 7)
  await app.close()
})

test("below the app's level nothing is written, and the request logger reports that level", async () => {
  const { app, lines } = appWithLines('warn')
  const levels: string[] = []
  app.get('/', async (request) => {
    request.log.info('filtered out')
    levels.push(request.log.level)
    return { ok: true }
  })
  await app.inject({ url: '/' })
  assert.deepEqual(lines, [])
  assert.deepEqual(levels, ['warn'])
  await app.close()
})

test("a route's own log level is honoured", async () => {
  const { app, lines } = appWithLines('warn')
  app.get('/chatty', { logLevel: 'debug' }, async (request) => {
    request.log.debug('route level debug')
    return { ok: true }
  })
  app.get('/quiet', async (request) => {
    request.log.debug('app level warn')
    return { ok: true }
  })
  await app.inject({ url: '/chatty' })
  await app.inject({ url: '/quiet' })
  assert.deepEqual(
    lines.map((line) => line.msg),
    ['route level debug'],
  )
  await app.close()
})

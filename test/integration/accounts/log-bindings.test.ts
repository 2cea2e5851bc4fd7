import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { registerUser } from '../../helpers/users.ts'

/** Once authenticated, every later log line of a request names its caller. */

const { app, db } = await buildTestApp({ after })

// pino's loggers (and the lazy request logger) have bindings(); Fastify's type leaves it out
const bindingsOf = (logger: unknown) =>
  (logger as { bindings(): Record<string, unknown> }).bindings()

// routes of this test only, behind the same hooks the API's contexts use
await app.register(async (scope) => {
  scope.addHook('onRequest', scope.requireUser)
  scope.get('/test/as-user', (request, reply) => ({
    request: bindingsOf(request.log),
    reply: bindingsOf(reply.log),
  }))
})
await app.register(async (scope) => {
  scope.addHook('onRequest', scope.requireScope('admin'))
  scope.get('/test/as-admin', (request, reply) => ({
    request: bindingsOf(request.log),
    reply: bindingsOf(reply.log),
  }))
})

interface Bound {
  request: Record<string, unknown>
  reply: Record<string, unknown>
}

test("a user's request logs carry the user id, the completion line included", async () => {
  const user = await registerUser(app)
  const response = await app.inject({ url: '/test/as-user', headers: user.headers })
  assert.equal(response.statusCode, 200, response.body)
  const bound = response.json() as Bound
  assert.equal(bound.request.userId, user.id)
  assert.equal(bound.reply.userId, user.id)
  assert.equal(typeof bound.request.reqId, 'string')
})

test("an API key's request logs carry the key id", async () => {
  const admin = await registerUser(app)
  await db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute()
  const created = await app.inject({
    method: 'POST',
    url: '/api/admin/api-keys',
    headers: admin.headers,
    payload: { name: 'log test', scopes: ['admin'], tier: 'standard' },
  })
  assert.equal(created.statusCode, 201, created.body)
  const key = created.json() as { id: number; key: string }
  const response = await app.inject({ url: '/test/as-admin', headers: { 'x-api-key': key.key } })
  assert.equal(response.statusCode, 200, response.body)
  const bound = response.json() as Bound
  assert.equal(bound.request.apiKeyId, key.id)
  assert.equal(bound.reply.apiKeyId, key.id)
})

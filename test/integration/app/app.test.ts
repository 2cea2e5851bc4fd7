import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { buildApp } from '../../../src/app.ts'
import { openDatabase } from '../../../src/db/database.ts'
import { buildTestApp } from '../../helpers/app.ts'
import { testConfig } from '../../helpers/database.ts'
import { assertProblem } from '../../helpers/problem.ts'

/** What every route shares: problem+json errors, request ids, health probes, OpenAPI. */

const { app, db } = await buildTestApp({ after })
app.get('/test/boom', async () => {
  throw new Error('secret internal detail at /srv/app.ts:12')
})

describe('errors', () => {
  for (const method of ['GET', 'POST', 'DELETE', 'PATCH'] as const) {
    test(`${method} on an unknown route is a 404 ROUTE_NOT_FOUND problem`, async () => {
      const body = assertProblem(
        await app.inject({ method, url: '/api/nope?x=1' }),
        404,
        'ROUTE_NOT_FOUND',
      )
      assert.equal(body.instance, '/api/nope')
    })
  }

  test('an unexpected exception is a generic 500 that hides its detail', async () => {
    const response = await app.inject('/test/boom')
    const body = assertProblem(response, 500, 'INTERNAL_ERROR')
    assert.doesNotMatch(response.body, /secret/)
    assert.match(body.detail, /request id/)
  })

  test('a body over the limit is a 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/books',
      headers: { 'content-type': 'application/json' },
      payload: `{"a":"${'x'.repeat(testConfig.BODY_LIMIT_BYTES)}"}`,
    })
    assertProblem(response, 413, 'PAYLOAD_TOO_LARGE')
  })

  test('every answer carries its request id', async () => {
    const response = await app.inject('/health/live')
    assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  })

  test('a client cannot choose its own request id', async () => {
    const response = await app.inject({ url: '/health/live', headers: { 'request-id': 'mine' } })
    assert.notEqual(response.headers['x-request-id'], 'mine')
  })
})

describe('health', () => {
  test('liveness answers without touching anything', async () => {
    const response = await app.inject('/health/live')
    assert.equal(response.statusCode, 200)
    assert.equal(response.json().status, 'ok')
  })

  test('readiness reports the database and migrations, and fails while a migration is pending', async () => {
    const ready = await app.inject('/health/ready')
    assert.equal(ready.statusCode, 200)
    assert.equal(ready.json().checks.database.status, 'ok')
    const removed = await db.deleteFrom('schema_migrations').returningAll().execute()
    try {
      const pending = await app.inject('/health/ready')
      assert.equal(pending.statusCode, 503)
      assert.equal(pending.json().checks.migrations.status, 'down')
      assert.match(pending.json().checks.migrations.detail, /0001_catalog/)
    } finally {
      await db.insertInto('schema_migrations').values(removed).execute()
    }
  })
})

describe('a database that does not answer', () => {
  test('gives 503 DATABASE_UNAVAILABLE with Retry-After, while liveness stays up', async (t) => {
    const database = await openDatabase(
      {
        ...testConfig,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
        DB_CONNECTION_TIMEOUT_MS: 500,
      },
      { warn() {} },
    )
    const down = await buildApp(testConfig, { database })
    t.after(async () => {
      await down.close()
      await database.close()
    })
    const response = await down.inject('/api/books')
    assertProblem(response, 503, 'DATABASE_UNAVAILABLE')
    assert.equal(response.headers['retry-after'], '5')
    assert.equal((await down.inject('/health/live')).statusCode, 200)
    assert.equal((await down.inject('/health/ready')).statusCode, 503)
  })
})

describe('OpenAPI', () => {
  test('/openapi.json is OpenAPI 3.1 and documents every route with request and response schemas', async () => {
    const response = await app.inject('/openapi.json')
    assert.equal(response.statusCode, 200)
    const spec = response.json()
    assert.equal(spec.openapi, '3.1.0')
    const expected = [
      '/api/books',
      '/api/books/{id}',
      '/api/books/isbn/{isbn}',
      '/api/authors',
      '/api/authors/{id}',
      '/api/genres',
      '/api/series/{id}',
      '/health/live',
      '/health/ready',
    ]
    for (const path of expected) {
      const operation = spec.paths[path]?.get
      assert.ok(operation, `${path} is documented`)
      assert.ok(operation.summary, `${path} has a summary`)
      assert.ok(operation.responses['200']?.content, `${path} documents its 200 body`)
      if (path.startsWith('/api/')) {
        assert.ok(operation.responses['400'], `${path} documents its 400 problem`)
      }
      if (path.includes('{'))
        assert.ok(operation.parameters?.length > 0, `${path} documents its parameters`)
    }
  })

  test('/docs serves the reference UI', async () => {
    const response = await app.inject('/docs/')
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /text\/html/)
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { App } from '../../../src/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { createApiKey, registerAdmin } from './principals.ts'
import {
  accessOf,
  buildAppWithRoutes,
  CATALOG_WRITE_ROUTE,
  hasBody,
  type Route,
  urlFor,
} from './route-table.ts'

/**
 * Function-level authorization (RELIABILITY.md rows 1–2), over the app's own route table: every
 * route is public by an explicit allowlist or refuses anonymous callers; every admin route
 * refuses readers and keys without the scope; reader routes refuse API keys. Requests that
 * should get through carry an id of 0 or an unknown body property, so they stop at validation
 * (400) after the onRequest auth hooks have let them pass, and change nothing.
 */

const { app, db, routes } = await buildAppWithRoutes({ after })
type Headers = Record<string, string>
const keys = {} as Record<'read' | 'write' | 'admin', Headers>
let adminUser: Headers

before(async () => {
  adminUser = (await registerAdmin(app, db)).headers
  keys.read = await createApiKey(db, ['catalog:read'])
  keys.write = await createApiKey(db, ['catalog:write'])
  keys.admin = await createApiKey(db, ['admin'])
})

const PROBE_BODY = { __probe__: true }

/** A request that auth hooks judge as usual but validation stops, when the route validates. */
function probe(target: App, route: Route, headers: Headers = {}, id: number = 1) {
  return target.inject({
    method: route.method as 'GET',
    url: urlFor(route, id),
    headers,
    ...(hasBody(route) ? { payload: PROBE_BODY } : {}),
  })
}

const isGetThrough = (status: number) => status !== 401 && status !== 403 && status !== 404

/** Routes neither on the public allowlist nor refusing an anonymous caller with 401. */
async function unprotectedRoutes(target: App, table: Route[]): Promise<string[]> {
  const open: string[] = []
  for (const route of table) {
    if (accessOf(route) === 'public') continue
    const response = await probe(target, route)
    if (response.statusCode !== 401) open.push(`${route.key} → ${response.statusCode}`)
  }
  return open
}

const byAccess = (access: string) => routes.filter((r) => accessOf(r) === access)

test('the route table holds every module’s routes', () => {
  const keysSeen = new Set(routes.map((r) => r.key))
  for (const key of ['GET /api/books/:id', 'GET /api/me', 'PATCH /api/admin/users/:id']) {
    assert.ok(keysSeen.has(key), key)
  }
  assert.ok(byAccess('admin').length >= 14, 'admin routes found')
  assert.ok(byAccess('user').length >= 5, 'reader routes found')
})

test('every route is on the public allowlist or refuses an anonymous caller with 401', async () => {
  assert.deepEqual(await unprotectedRoutes(app, routes), [])
  for (const route of routes.filter((r) => accessOf(r) !== 'public' && r.method !== 'HEAD')) {
    assertProblem(await probe(app, route), 401, 'AUTH_REQUIRED')
  }
})

test('a route registered without protection is caught by the same check', async () => {
  const leaky = await buildAppWithRoutes({ after })
  leaky.app.get('/api/me/secrets', async () => ({ secret: true }))
  leaky.app.post('/api/admin/shortcut', async () => ({ done: true }))
  // no hand-listing: the onRoute hook saw these too
  const known = new Set(routes.map((r) => r.key))
  const added = leaky.routes.filter((r) => !known.has(r.key))
  assert.deepEqual(await unprotectedRoutes(leaky.app, added), [
    'GET /api/me/secrets → 200',
    'HEAD /api/me/secrets → 200',
    'POST /api/admin/shortcut → 200',
  ])
})

describe('admin routes', () => {
  test('a reader’s token is a 403 on every one', async () => {
    const reader = await registerUser(app)
    for (const route of byAccess('admin')) {
      const response = await probe(app, route, reader.headers)
      assert.equal(response.statusCode, 403, `${route.key}: ${response.body}`)
      if (route.method !== 'HEAD') assertProblem(response, 403, 'FORBIDDEN')
    }
  })

  test('a catalog:read key is a 403 on every one', async () => {
    for (const route of byAccess('admin')) {
      const response = await probe(app, route, keys.read)
      assert.equal(response.statusCode, 403, `${route.key}: ${response.body}`)
    }
  })

  test('a catalog:write key reaches the catalog writes and nothing else', async () => {
    for (const route of byAccess('admin')) {
      const response = await probe(app, route, keys.write, 0)
      if (CATALOG_WRITE_ROUTE.test(route.url)) {
        assert.ok(isGetThrough(response.statusCode), `${route.key}: ${response.statusCode}`)
      } else {
        assert.equal(response.statusCode, 403, `${route.key}: ${response.body}`)
      }
    }
  })

  test('an admin user and an admin key reach every one', async () => {
    for (const route of byAccess('admin')) {
      for (const headers of [adminUser, keys.admin]) {
        const response = await probe(app, route, headers, 0)
        assert.ok(isGetThrough(response.statusCode), `${route.key}: ${response.body}`)
      }
    }
  })

  test('an unknown or revoked key is a 401, never a pass', async () => {
    const revoked = await createApiKey(db, ['admin'])
    await db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('prefix', '=', revoked['x-api-key'].slice(0, 9))
      .execute()
    for (const route of byAccess('admin').filter((r) => r.method !== 'HEAD')) {
      for (const headers of [revoked, { 'x-api-key': 'vk_AAAAAAAAAAAAAAAAAAAAAA' }]) {
        assertProblem(await probe(app, route, headers), 401, 'INVALID_API_KEY')
      }
    }
  })
})

describe('reader routes', () => {
  test('API keys are not readers: even an admin key is a 401', async () => {
    for (const route of byAccess('user')) {
      for (const headers of [keys.read, keys.write, keys.admin]) {
        const response = await probe(app, route, headers)
        assert.equal(response.statusCode, 401, `${route.key}: ${response.body}`)
      }
    }
  })

  test('a logged-in reader gets through each (a fresh reader per route)', async () => {
    for (const route of byAccess('user')) {
      const reader = await registerUser(app)
      const response = await probe(app, route, reader.headers, 0)
      assert.ok(isGetThrough(response.statusCode), `${route.key}: ${response.body}`)
    }
  })
})

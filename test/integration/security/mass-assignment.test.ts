import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { TSchema } from 'typebox'
import { insertBookWithAuthor } from '../../helpers/catalog.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { registerAdmin } from './principals.ts'
import { accessOf, buildAppWithRoutes, type Route } from './route-table.ts'

/**
 * Mass assignment (RELIABILITY.md row 3): fields a client must never set — `role`, `isAdmin`,
 * `userId`, `price`, `status`, `sessionVersion` and column names such as `user_id` — sent to every POST, PUT and PATCH route of the
 * route table, alone and inside otherwise valid bodies. Every body schema refuses unknown
 * properties, so each is named as unknown unless the route legitimately takes it; and the
 * protected columns in the database are the same afterwards.
 */

const { app, db, routes } = await buildAppWithRoutes({ after })
const PROTECTED = {
  role: 'admin',
  isAdmin: true,
  userId: 1,
  price: 0,
  status: 'paid',
  sessionVersion: 99,
  // the columns themselves, as someone guessing the schema would send them
  user_id: 1,
  ratings_5: 1_000_000,
}

/** Fields some routes take on purpose: an admin sets a user's role and a book's price. */
const LEGITIMATE: Record<string, string[]> = {
  'PATCH /api/admin/users/:id': ['role'],
  'POST /api/admin/books': ['price'],
  'PATCH /api/admin/books/:id': ['price'],
}

const writeRoutes = routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))
let admin: TestUser
let reader: TestUser
let bookId: number
let reviewId: number

before(async () => {
  admin = await registerAdmin(app, db)
  reader = await registerUser(app)
  bookId = await insertBookWithAuthor(
    db,
    { title: 'Mass Book', priceCents: 1500 },
    { name: 'Mass Author', slug: 'mass-author' },
  )
  const review = await app.inject({
    method: 'POST',
    url: `/api/books/${bookId}/reviews`,
    headers: reader.headers,
    payload: { rating: 3 },
  })
  assert.equal(review.statusCode, 201, review.body)
  reviewId = review.json().id
})

/** Every column a client must not be able to move, as one comparable value. */
async function protectedColumns() {
  const [users, books, reviews, keys, orders] = await Promise.all([
    db
      .selectFrom('users')
      .select(['id', 'role', 'session_version', 'disabled_at', 'password_hash', 'email'])
      .orderBy('id')
      .execute(),
    db
      .selectFrom('books')
      .select(['id', 'price_cents', 'currency', 'ratings_1', 'ratings_5', 'goodreads_id'])
      .orderBy('id')
      .execute(),
    db
      .selectFrom('reviews')
      .select(['id', 'user_id', 'book_id', 'helpful_count', 'source'])
      .execute(),
    db.selectFrom('api_keys').select(['id', 'scopes', 'created_by']).execute(),
    db
      .selectFrom('orders')
      .select(['id', 'user_id', 'status', 'total_cents', 'provider_payment_id'])
      .orderBy('id')
      .execute(),
  ])
  return JSON.stringify({ users, books, reviews, keys, orders })
}

function callerOf(route: Route) {
  const access = accessOf(route)
  return access === 'admin' ? admin.headers : access === 'user' ? reader.headers : {}
}

/** A URL whose parameters name real objects, so a body that got through would land somewhere. */
function realUrl(route: Route) {
  return route.url
    .replace(/\/books\/:id/, `/books/${bookId}`)
    .replace(/\/reviews\/:id/, `/reviews/${reviewId}`)
    .replace(/\/users\/:id/, `/users/${reader.id}`)
    .replace(/:bookId/, String(bookId))
    .replace(/:[A-Za-z]+/g, '1')
}

test('every body schema refuses unknown properties, at every level', () => {
  const open: string[] = []
  const walk = (schema: TSchema | undefined, path: string, route: Route) => {
    if (!schema || typeof schema !== 'object') return
    const s = schema as Record<string, unknown>
    if (s.type === 'object' && s.additionalProperties !== false)
      open.push(`${route.key} ${path || '(body)'}`)
    for (const [name, child] of Object.entries((s.properties ?? {}) as Record<string, TSchema>)) {
      walk(child, `${path}.${name}`, route)
    }
    for (const key of ['items', 'anyOf', 'oneOf', 'allOf'] as const) {
      for (const child of [s[key]].flat()) walk(child as TSchema, path, route)
    }
  }
  for (const route of writeRoutes) walk(route.bodySchema as TSchema, '', route)
  assert.deepEqual(open, [])
})

test('protected fields are refused by name on every write route', async () => {
  const before = await protectedColumns()
  const accepted: string[] = []
  for (const route of writeRoutes.filter((r) => r.bodySchema)) {
    const response = await app.inject({
      method: route.method as 'POST',
      url: realUrl(route),
      headers: callerOf(route),
      payload: PROTECTED,
    })
    if (response.statusCode < 400) accepted.push(`${route.key} → ${response.statusCode}`)
    assert.equal(response.statusCode, 400, `${route.key}: ${response.body}`)
    const unknown = new Set(
      (response.json().errors ?? [])
        .filter((e: { message: string }) => e.message === 'is not a known parameter')
        .map((e: { field: string }) => e.field),
    )
    const legitimate = LEGITIMATE[route.key] ?? []
    for (const field of Object.keys(PROTECTED)) {
      if (legitimate.includes(field)) continue
      assert.ok(unknown.has(field), `${route.key} did not refuse "${field}": ${response.body}`)
    }
  }
  assert.deepEqual(accepted, [])
  assert.equal(await protectedColumns(), before, 'protected columns changed in the database: 0')
})

test('inside otherwise valid bodies, the same fields make the whole write a 400', async () => {
  const valid: [string, string, Record<string, unknown>, Record<string, string>][] = [
    [
      'POST',
      '/api/auth/register',
      { email: 'mass@example.com', password: 'a long passphrase here', displayName: 'M' },
      {},
    ],
    ['PATCH', '/api/me', { displayName: 'Renamed' }, reader.headers],
    ['POST', `/api/books/${bookId}/reviews`, { rating: 5 }, admin.headers],
    ['PATCH', `/api/reviews/${reviewId}`, { rating: 5 }, reader.headers],
    ['PUT', `/api/me/library/${bookId}`, { shelf: 'read' }, reader.headers],
    [
      'POST',
      '/api/admin/books',
      { title: 'T', price: { amountCents: 1, currency: 'USD' }, authorIds: [1] },
      admin.headers,
    ],
    ['PATCH', `/api/admin/books/${bookId}`, { title: 'Renamed' }, admin.headers],
    ['PATCH', `/api/admin/users/${reader.id}`, { disabled: false }, admin.headers],
    [
      'POST',
      '/api/orders',
      { items: [{ bookId }] },
      { ...reader.headers, 'idempotency-key': 'mass-assignment-order' },
    ],
  ]
  const before = await protectedColumns()
  for (const [method, url, body, headers] of valid) {
    for (const [field, value] of Object.entries(PROTECTED)) {
      if ((LEGITIMATE[`${method} ${url.replace(/\/\d+/, '/:id')}`] ?? []).includes(field)) continue
      const response = await app.inject({
        method: method as 'POST',
        url,
        headers,
        payload: { ...body, [field]: value },
      })
      assert.equal(response.statusCode, 400, `${method} ${url} with ${field}: ${response.body}`)
    }
  }
  assert.equal(await protectedColumns(), before)
  const users = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'mass@example.com')
    .execute()
  assert.deepEqual(users, [], 'no account was created with extra fields')
})

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { insertBookWithAuthor } from '../../helpers/catalog.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { accessOf, buildAppWithRoutes, type Route } from './route-table.ts'

/**
 * Object-level authorization (RELIABILITY.md row 1): every reader route that names an object by
 * a path parameter, taken from the route table, is tried with a second reader's token against
 * an object the first reader made. Each such route must be classified below; a new one that is
 * not fails the test, so it cannot ship without its ownership being checked.
 */

const { app, db, routes } = await buildAppWithRoutes({ after })
let bookId: number

before(async () => {
  bookId = await insertBookWithAuthor(
    db,
    { title: 'Owned Things', priceCents: 100 },
    { name: 'Owner Test', slug: 'owner-test' },
  )
})

type Json = Record<string, unknown>

async function call(user: TestUser, method: string, url: string, payload?: Json) {
  return app.inject({
    method: method as 'GET',
    url,
    headers: user.headers,
    ...(payload ? { payload } : {}),
  })
}

async function ok(user: TestUser, method: string, url: string, payload?: Json): Promise<Json> {
  const response = await call(user, method, url, payload)
  assert.ok(response.statusCode < 300, `${method} ${url}: ${response.body}`)
  return response.body ? response.json() : {}
}

/** What the owner made, the URL that names it, and how to tell it is untouched. */
interface Owned {
  url: string
  body?: Json
  unchanged(): Promise<void>
}

type Ownership =
  /** another reader gets 404 (not 403: existence is not revealed) and changes nothing */
  | { kind: 'owned'; setup(owner: TestUser): Promise<Owned> }
  /** the route acts on the caller's own data; another reader's call leaves the owner's alone */
  | { kind: 'caller-scoped'; setup(owner: TestUser): Promise<Owned> }
  /** the parameter names a public object, not someone's */
  | { kind: 'public-object'; why: string }

async function ownReview(owner: TestUser) {
  const review = await ok(owner, 'POST', `/api/books/${bookId}/reviews`, {
    rating: 4,
    body: 'The owner’s words',
  })
  const url = `/api/reviews/${review.id}`
  return {
    url,
    async unchanged() {
      const now = (await app.inject(url)).json()
      assert.equal(now.rating, 4)
      assert.equal(now.body, 'The owner’s words')
    },
  }
}

async function ownLibraryEntry(owner: TestUser) {
  const url = `/api/me/library/${bookId}`
  await ok(owner, 'PUT', url, { shelf: 'reading', progress: 40 })
  return {
    url,
    async unchanged() {
      const entry = await ok(owner, 'GET', url)
      assert.equal(entry.shelf, 'reading')
      assert.equal(entry.progress, 40)
    },
  }
}

/** The owner buys a book (the embedded local provider pays it in-process). */
async function ownOrder(owner: TestUser) {
  const book = await insertBookWithAuthor(
    db,
    { title: `Bought ${owner.id}`, priceCents: 250 },
    { name: `Seller ${owner.id}`, slug: `seller-${owner.id}` },
  )
  const response = await app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { ...owner.headers, 'idempotency-key': `own-${owner.id}` },
    payload: { items: [{ bookId: book }] },
  })
  assert.equal(response.statusCode, 201, response.body)
  const url = `/api/orders/${response.json().order.id}`
  return {
    url,
    async unchanged() {
      const order = await ok(owner, 'GET', url)
      assert.equal(order.totalCents, 250)
    },
  }
}

const OWNERSHIP: Record<string, Ownership> = {
  'PATCH /api/reviews/:id': {
    kind: 'owned',
    setup: async (owner) => ({ ...(await ownReview(owner)), body: { rating: 1 } }),
  },
  'DELETE /api/reviews/:id': { kind: 'owned', setup: ownReview },
  'GET /api/me/library/:bookId': { kind: 'owned', setup: ownLibraryEntry },
  'GET /api/orders/:id': { kind: 'owned', setup: ownOrder },
  'DELETE /api/me/library/:bookId': { kind: 'owned', setup: ownLibraryEntry },
  'PUT /api/me/library/:bookId': {
    kind: 'caller-scoped',
    setup: async (owner) => ({ ...(await ownLibraryEntry(owner)), body: { shelf: 'read' } }),
  },
  'DELETE /api/reviews/:id/helpful': {
    kind: 'caller-scoped',
    // the owner's helpful vote on a third reader's review; another reader's unvote is their own
    async setup(owner) {
      const { url } = await ownReview(await registerUser(app))
      await ok(owner, 'POST', `${url}/helpful`)
      return {
        url: `${url}/helpful`,
        async unchanged() {
          assert.equal((await app.inject(url)).json().helpfulCount, 1)
        },
      }
    },
  },
  'POST /api/reviews/:id/helpful': {
    kind: 'public-object',
    why: 'any reader may vote on any review; the vote is the caller’s own',
  },
  'POST /api/books/:id/reviews': {
    kind: 'public-object',
    why: 'the id is a catalog book; the review created is the caller’s own',
  },
}

// HEAD mirrors GET, with the same hooks and handler
const ownershipOf = (route: Route) => OWNERSHIP[route.key.replace(/^HEAD /, 'GET ')]

const objectRoutes = routes.filter((r) => accessOf(r) === 'user' && /[:*]/.test(r.url))

test('every reader route with a path parameter is classified', () => {
  const unclassified = objectRoutes.filter((r) => !ownershipOf(r)).map((r) => r.key)
  assert.deepEqual(unclassified, [], 'add these to OWNERSHIP with a fixture')
  assert.ok(objectRoutes.length >= 6, 'reviews and library routes are in the table')
})

for (const route of objectRoutes) {
  const ownership = ownershipOf(route)
  if (!ownership || ownership.kind === 'public-object') continue
  test(`${route.key}: another reader cannot reach the owner’s object`, async () => {
    const owner = await registerUser(app)
    const other = await registerUser(app)
    const owned = await ownership.setup(owner)
    const response = await call(other, route.method, owned.url, owned.body)
    if (ownership.kind === 'owned') {
      assert.equal(response.statusCode, 404, response.body)
      if (route.method !== 'HEAD') assert.match(response.json().code, /NOT_FOUND$/)
    }
    await owned.unchanged()
  })
}

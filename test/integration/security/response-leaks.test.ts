import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { testConfig } from '../../helpers/database.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { registerAdmin } from './principals.ts'
import { accessOf, buildAppWithRoutes, type Route } from './route-table.ts'

/**
 * Response leak scan (RELIABILITY.md row 4): every GET route of the route table is called with
 * real objects behind its parameters, as the caller it is meant for, and every answer — with
 * those of register, login, refresh and the admin writes that built the data — is searched for
 * password hashes, token and key hashes (in every encoding a bytea could take), the JWT secret
 * and plaintext passwords. Raw API keys and refresh tokens may appear only in the one answer
 * that hands them out.
 */

const { app, db, routes } = await buildAppWithRoutes({ after })
const answers: { label: string; body: string }[] = []
const ids = { book: 0, author: 0, series: 0, review: 0, order: 0, isbn: '9780441478125' }
let admin: TestUser
let reader: TestUser
const rawKeys: string[] = []
const rawRefreshTokens: string[] = []

async function record(label: string, request: InjectOptions) {
  const response = await app.inject(request)
  answers.push({ label, body: response.body })
  return response
}

async function created(url: string, headers: Record<string, string>, payload: object) {
  const response = await record(`POST ${url}`, { method: 'POST', url, headers, payload })
  assert.ok(response.statusCode < 300, `${url}: ${response.body}`)
  return response.json()
}

before(async () => {
  admin = await registerAdmin(app, db)
  reader = await registerUser(app)
  rawRefreshTokens.push(admin.refreshToken, reader.refreshToken)
  const login = await record('login', {
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: reader.email, password: reader.password },
  })
  const refreshed = await record('refresh', {
    method: 'POST',
    url: '/api/auth/refresh',
    payload: { refreshToken: login.json().session.refreshToken },
  })
  rawRefreshTokens.push(login.json().session.refreshToken, refreshed.json().refreshToken)
  await record('register', {
    method: 'POST',
    url: '/api/auth/register',
    payload: {
      email: 'leak-check@example.com',
      password: 'a long passphrase to find',
      displayName: 'L',
    },
  })
  for (const scopes of [['admin'], ['catalog:read', 'catalog:write']]) {
    const key = await created('/api/admin/api-keys', admin.headers, { name: 'leak scan', scopes })
    rawKeys.push(key.key)
    // the one answer allowed to carry the key: keep the rest of it in the scan
    answers.at(-1)!.body = answers.at(-1)!.body.replace(key.key, '')
  }

  ids.author = (await created('/api/admin/authors', admin.headers, { name: 'Leak Author' })).id
  ids.series = (await created('/api/admin/series', admin.headers, { name: 'Leak Series' })).id
  const genre = await created('/api/admin/genres', admin.headers, { name: 'Leak Genre' })
  ids.book = (
    await created('/api/admin/books', admin.headers, {
      title: 'Leak Book',
      isbn: ids.isbn,
      price: { amountCents: 700, currency: 'USD' },
      authorIds: [ids.author],
      series: [{ id: ids.series, position: 1 }],
      genreIds: [genre.id],
    })
  ).id
  ids.review = (
    await created(`/api/books/${ids.book}/reviews`, reader.headers, { rating: 5, body: 'Fine' })
  ).id
  const bought = await record('checkout', {
    method: 'POST',
    url: '/api/orders',
    headers: { ...reader.headers, 'idempotency-key': 'leak-scan-order' },
    payload: { items: [{ bookId: ids.book }] },
  })
  assert.equal(bought.statusCode, 201, bought.body)
  ids.order = bought.json().order.id
  await record('library', {
    method: 'PUT',
    url: `/api/me/library/${ids.book}`,
    headers: reader.headers,
    payload: { shelf: 'read' },
  })
})

/** A URL for a GET route whose parameters name the objects made above, or null if unknown. */
function sampleUrl(route: Route): string | null {
  const url = route.url
    .replace('/books/isbn/:isbn', `/books/isbn/${ids.isbn}`)
    .replace('/books/:id', `/books/${ids.book}`)
    .replace('/authors/:id', `/authors/${ids.author}`)
    .replace('/series/:id', `/series/${ids.series}`)
    .replace('/reviews/:id', `/reviews/${ids.review}`)
    .replace('/library/:bookId', `/library/${ids.book}`)
    .replace('/orders/:id', `/orders/${ids.order}`)
    // search needs words to look for
    .replace(/^\/api\/search(\/suggest)?$/, (path) => `${path}?q=the`)
    .replace(/\*$/, 'index.html')
  return url.includes(':') ? null : url
}

/** Every form a stored secret could take in JSON: text, hex, \x-hex, base64, base64url. */
async function storedSecrets(): Promise<string[]> {
  const users = await db.selectFrom('users').select('password_hash').execute()
  const tokens = await db.selectFrom('refresh_tokens').select('token_hash').execute()
  const keys = await db.selectFrom('api_keys').select('key_hash').execute()
  // pg hands bytea back as a Buffer, PGlite as a plain Uint8Array
  const hashes = [...tokens.map((t) => t.token_hash), ...keys.map((k) => k.key_hash)].map((h) =>
    Buffer.from(h),
  )
  return [
    ...users.flatMap((u) => (u.password_hash ? [u.password_hash] : [])),
    ...hashes.flatMap((h) => [
      h.toString('hex'),
      h.toString('base64'),
      h.toString('base64url'),
      JSON.stringify([...h]).slice(1, -1),
    ]),
    testConfig.JWT_SECRET!,
    // the payment provider's webhook signing secret
    app.payments.provider.webhookSecret,
    admin.password,
    reader.password,
    'a long passphrase to find',
  ]
}

test('every GET route is called with real objects behind its parameters', async () => {
  const getRoutes = routes.filter((r) => r.method === 'GET')
  const unresolved = getRoutes.filter((r) => sampleUrl(r) === null).map((r) => r.key)
  assert.deepEqual(unresolved, [], 'give these parameters a sample in sampleUrl')
  for (const route of getRoutes) {
    const access = accessOf(route)
    const headers = access === 'admin' ? admin.headers : access === 'user' ? reader.headers : {}
    const url = sampleUrl(route)!
    const response = await record(`GET ${url}`, { url, headers })
    assert.ok(response.statusCode < 400, `${url}: ${response.statusCode} ${response.body}`)
  }
  assert.ok(answers.length >= getRoutes.length + 10)
})

// a bytea serialised as pg's Buffer, as PGlite's Uint8Array, or in PostgreSQL's \x text form
const BYTEA_IN_JSON = /"type":\s*"Buffer"|\{"0":\d+,"1":\d+,"2":\d+|\\\\x[0-9a-f]{64}/

function findLeaks(scanned: { label: string; body: string }[], secrets: string[]): string[] {
  const leaks: string[] = []
  for (const { label, body } of scanned) {
    if (body.includes('$argon2')) leaks.push(`${label}: an argon2 hash`)
    if (BYTEA_IN_JSON.test(body)) leaks.push(`${label}: a bytea value`)
    for (const secret of secrets) {
      if (body.includes(secret)) leaks.push(`${label}: ${secret.slice(0, 12)}…`)
    }
  }
  return leaks
}

test('no answer carries a password hash, token or key hash, the JWT secret or a password', async () => {
  assert.deepEqual(findLeaks(answers, await storedSecrets()), [])
})

test('the scan finds a leak when there is one', async () => {
  const [token] = await db.selectFrom('refresh_tokens').select('token_hash').limit(1).execute()
  const leaked = [
    { label: 'hash', body: JSON.stringify({ h: await storedSecrets().then((s) => s[0]) }) },
    { label: 'bytea', body: JSON.stringify({ h: token!.token_hash }) },
    { label: 'base64', body: JSON.stringify({ h: token!.token_hash.toString('base64') }) },
  ]
  const labels = findLeaks(leaked, await storedSecrets()).map((l) => l.split(':')[0])
  assert.deepEqual([...new Set(labels)], ['hash', 'bytea', 'base64'])
})

test('raw API keys and refresh tokens appear in no GET answer', () => {
  const reads = answers.filter((a) => a.label.startsWith('GET '))
  for (const secret of [...rawKeys, ...rawRefreshTokens]) {
    const found = reads.filter((a) => a.body.includes(secret)).map((a) => a.label)
    assert.deepEqual(found, [], `${secret.slice(0, 6)}… was returned`)
  }
})

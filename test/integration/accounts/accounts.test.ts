import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'

/** Registration, login, the token lifecycle and the account itself, through the API. */

const { app, db } = await buildTestApp({ after })
let counter = 0

async function register(overrides: Record<string, unknown> = {}) {
  counter++
  const payload = {
    email: `reader${counter}@example.com`,
    password: `a long passphrase ${counter}`,
    displayName: `Reader ${counter}`,
    ...overrides,
  }
  const response = await app.inject({ method: 'POST', url: '/api/auth/register', payload })
  assert.equal(response.statusCode, 201, response.body)
  const body = response.json()
  return { ...body, payload, auth: { authorization: `Bearer ${body.session.accessToken}` } }
}

const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers })

describe('registration', () => {
  test('creates a user with an argon2id hash and starts a session', async () => {
    const { user, session } = await register()
    assert.equal(user.role, 'user')
    assert.equal(session.tokenType, 'Bearer')
    assert.ok(session.expiresIn > 0)
    const row = await db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow()
    assert.match(row.password_hash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  })

  test('email is unique case-insensitively: 409 EMAIL_TAKEN', async () => {
    const { payload } = await register()
    const response = await post('/api/auth/register', {
      ...payload,
      email: payload.email.toUpperCase(),
    })
    assertProblem(response, 409, 'EMAIL_TAKEN')
  })

  test('passwords shorter than 8, longer than 128 or common are refused', async () => {
    const base = { email: 'pw@example.com', displayName: 'P' }
    assertProblem(
      await post('/api/auth/register', { ...base, password: 'short' }),
      400,
      'VALIDATION_FAILED',
    )
    assertProblem(
      await post('/api/auth/register', { ...base, password: 'x'.repeat(129) }),
      400,
      'VALIDATION_FAILED',
    )
    for (const common of ['password1', 'qwertyuiop', 'iloveyou2', 'Sunshine']) {
      const response = await post('/api/auth/register', {
        ...base,
        password: common.padEnd(8, '1'),
      })
      assertProblem(response, 400, 'WEAK_PASSWORD')
    }
    const count = await db
      .selectFrom('users')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('email', '=', 'pw@example.com')
      .executeTakeFirstOrThrow()
    assert.equal(count.n, 0)
  })

  test('a client cannot register itself as an admin', async () => {
    const response = await post('/api/auth/register', {
      email: 'sneaky@example.com',
      password: 'a long passphrase',
      displayName: 'S',
      role: 'admin',
    })
    assertProblem(response, 400, 'VALIDATION_FAILED')
    const row = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'sneaky@example.com')
      .executeTakeFirst()
    assert.equal(row, undefined)
  })
})

describe('login', () => {
  test('logs in with the email in any case', async () => {
    const { payload } = await register()
    const response = await post('/api/auth/login', {
      email: payload.email.toUpperCase(),
      password: payload.password,
    })
    assert.equal(response.statusCode, 200)
    assert.ok(response.json().session.accessToken)
  })

  test('a wrong password and an unknown email answer exactly alike', async () => {
    const { payload } = await register()
    const wrong = await post('/api/auth/login', {
      email: payload.email,
      password: 'not the password',
    })
    const unknown = await post('/api/auth/login', {
      email: 'nobody@example.com',
      password: 'not the password',
    })
    const a = assertProblem(wrong, 401, 'INVALID_CREDENTIALS')
    const b = assertProblem(unknown, 401, 'INVALID_CREDENTIALS')
    assert.equal(a.detail, b.detail)
  })
})

describe('the token lifecycle', () => {
  test('refresh rotates: the new pair works, the old refresh token is spent', async () => {
    const { session } = await register()
    const next = await post('/api/auth/refresh', { refreshToken: session.refreshToken })
    assert.equal(next.statusCode, 200)
    const rotated = next.json()
    assert.notEqual(rotated.refreshToken, session.refreshToken)
    const me = await app.inject({
      url: '/api/me',
      headers: { authorization: `Bearer ${rotated.accessToken}` },
    })
    assert.equal(me.statusCode, 200)
  })

  test('a reused refresh token revokes its whole family', async () => {
    const { session } = await register()
    const second = (await post('/api/auth/refresh', { refreshToken: session.refreshToken })).json()
    assertProblem(
      await post('/api/auth/refresh', { refreshToken: session.refreshToken }),
      401,
      'INVALID_REFRESH_TOKEN',
    )
    // the thief's replay cost the legitimate holder the family too
    assertProblem(
      await post('/api/auth/refresh', { refreshToken: second.refreshToken }),
      401,
      'INVALID_REFRESH_TOKEN',
    )
  })

  test('logout ends that session only', async () => {
    const { payload, session } = await register()
    const other = (
      await post('/api/auth/login', { email: payload.email, password: payload.password })
    ).json()
    assert.equal(
      (await post('/api/auth/logout', { refreshToken: session.refreshToken })).statusCode,
      204,
    )
    assertProblem(
      await post('/api/auth/refresh', { refreshToken: session.refreshToken }),
      401,
      'INVALID_REFRESH_TOKEN',
    )
    assert.equal(
      (await post('/api/auth/refresh', { refreshToken: other.session.refreshToken })).statusCode,
      200,
    )
  })

  test('logout-all ends every session, including live access tokens', async () => {
    const { payload, session, auth } = await register()
    const other = (
      await post('/api/auth/login', { email: payload.email, password: payload.password })
    ).json()
    assert.equal((await post('/api/auth/logout-all', undefined, auth)).statusCode, 204)
    assertProblem(await app.inject({ url: '/api/me', headers: auth }), 401, 'SESSION_REVOKED')
    assertProblem(
      await app.inject({
        url: '/api/me',
        headers: { authorization: `Bearer ${other.session.accessToken}` },
      }),
      401,
      'SESSION_REVOKED',
    )
    assertProblem(
      await post('/api/auth/refresh', { refreshToken: session.refreshToken }),
      401,
      'INVALID_REFRESH_TOKEN',
    )
  })

  test('without a token, /api/me is a 401 that names the Bearer scheme', async () => {
    const response = await app.inject('/api/me')
    assertProblem(response, 401, 'AUTH_REQUIRED')
    assert.match(String(response.headers['www-authenticate']), /^Bearer/)
  })
})

describe('the account', () => {
  test('PATCH /api/me changes the display name without a password', async () => {
    const { auth } = await register()
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: auth,
      payload: { displayName: 'New Name' },
    })
    assert.equal(response.statusCode, 200)
    assert.equal(response.json().user.displayName, 'New Name')
    assert.equal(response.json().session, null)
  })

  test('display names are stored as one line of plain text; one with no text left is a 400', async () => {
    const { auth, user } = await register({
      displayName: '<img src=x onerror=alert(1)>Ada\u202E <b>Lovelace</b>\n',
    })
    assert.equal(user.displayName, 'Ada Lovelace')
    const stored = await db
      .selectFrom('users')
      .select('display_name')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow()
    assert.equal(stored.display_name, 'Ada Lovelace')
    const empty = await app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: auth,
      payload: { displayName: '<script>alert(1)</script>' },
    })
    assertProblem(empty, 400, 'INVALID_DISPLAY_NAME')
    const after = await db
      .selectFrom('users')
      .select('display_name')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow()
    assert.equal(after.display_name, 'Ada Lovelace', 'a refused change leaves the name as it was')
  })

  test('changing the password needs the current one and ends the other sessions', async () => {
    const { payload, auth, session } = await register()
    const denied = await app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: auth,
      payload: { newPassword: 'another long phrase', currentPassword: 'wrong one' },
    })
    assertProblem(denied, 400, 'WRONG_PASSWORD')
    const changed = await app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: auth,
      payload: { newPassword: 'another long phrase', currentPassword: payload.password },
    })
    assert.equal(changed.statusCode, 200)
    const fresh = changed.json().session
    assert.ok(fresh.accessToken)
    assertProblem(await app.inject({ url: '/api/me', headers: auth }), 401, 'SESSION_REVOKED')
    assertProblem(
      await post('/api/auth/refresh', { refreshToken: session.refreshToken }),
      401,
      'INVALID_REFRESH_TOKEN',
    )
    assert.equal(
      (
        await app.inject({
          url: '/api/me',
          headers: { authorization: `Bearer ${fresh.accessToken}` },
        })
      ).statusCode,
      200,
    )
    assert.equal(
      (await post('/api/auth/login', { email: payload.email, password: 'another long phrase' }))
        .statusCode,
      200,
    )
  })

  test('DELETE /api/me with the password removes the account and its sessions', async () => {
    const { user, payload, auth, session } = await register()
    assertProblem(
      await app.inject({
        method: 'DELETE',
        url: '/api/me',
        headers: auth,
        payload: { password: 'nope' },
      }),
      400,
      'WRONG_PASSWORD',
    )
    const deleted = await app.inject({
      method: 'DELETE',
      url: '/api/me',
      headers: auth,
      payload: { password: payload.password },
    })
    assert.equal(deleted.statusCode, 204)
    assert.equal(
      await db.selectFrom('users').select('id').where('id', '=', user.id).executeTakeFirst(),
      undefined,
    )
    const tokens = await db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('user_id', '=', user.id)
      .execute()
    assert.equal(tokens.length, 0)
    assertProblem(await app.inject({ url: '/api/me', headers: auth }), 401, 'SESSION_REVOKED')
    assertProblem(
      await post('/api/auth/refresh', { refreshToken: session.refreshToken }),
      401,
      'INVALID_REFRESH_TOKEN',
    )
    assertProblem(
      await post('/api/auth/login', { email: payload.email, password: payload.password }),
      401,
      'INVALID_CREDENTIALS',
    )
  })
})

describe('API keys and user status (admin)', () => {
  async function admin() {
    const account = await register()
    await db.updateTable('users').set({ role: 'admin' }).where('id', '=', account.user.id).execute()
    return account
  }

  test('an admin creates a key shown once, stored hashed, usable in X-API-Key, and revocable', async () => {
    const { auth, user } = await admin()
    const created = await app.inject({
      method: 'POST',
      url: '/api/admin/api-keys',
      headers: auth,
      payload: { name: 'partner feed', scopes: ['admin'], tier: 'partner' },
    })
    assert.equal(created.statusCode, 201, created.body)
    const key = created.json()
    assert.match(key.key, /^vk_[A-Za-z0-9_-]{22}$/)
    assert.equal(key.createdBy, user.id)
    const row = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow()
    assert.equal(row.key_hash.length, 32)
    assert.ok(!JSON.stringify(row).includes(key.key.slice(9)), 'the key itself is not stored')

    const listed = await app.inject({
      url: '/api/admin/api-keys',
      headers: { 'x-api-key': key.key },
    })
    assert.equal(listed.statusCode, 200)
    assert.ok(!listed.body.includes(key.key), 'lists never show keys')
    const used = await db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow()
    assert.ok(used.last_used_at, 'last_used_at is tracked')

    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/admin/api-keys/${key.id}`,
      headers: auth,
    })
    assert.ok(revoked.json().revokedAt)
    assertProblem(
      await app.inject({ url: '/api/admin/api-keys', headers: { 'x-api-key': key.key } }),
      401,
      'INVALID_API_KEY',
    )
  })

  test('a key is never accepted in a URL', async () => {
    assertProblem(
      await app.inject('/api/admin/api-keys?api_key=vk_whatever'),
      400,
      'API_KEY_IN_URL',
    )
  })

  test('disabling a user ends their sessions at once; enabling lets them log in again', async () => {
    const { auth } = await admin()
    const victim = await register()
    const disabled = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${victim.user.id}`,
      headers: auth,
      payload: { disabled: true },
    })
    assert.equal(disabled.statusCode, 200)
    assertProblem(
      await app.inject({ url: '/api/me', headers: victim.auth }),
      401,
      'SESSION_REVOKED',
    )
    assertProblem(
      await post('/api/auth/login', {
        email: victim.payload.email,
        password: victim.payload.password,
      }),
      401,
      'INVALID_CREDENTIALS',
    )
    await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${victim.user.id}`,
      headers: auth,
      payload: { disabled: false },
    })
    assert.equal(
      (
        await post('/api/auth/login', {
          email: victim.payload.email,
          password: victim.payload.password,
        })
      ).statusCode,
      200,
    )
  })

  test('a user token cannot reach admin routes', async () => {
    const { auth } = await register()
    assertProblem(await app.inject({ url: '/api/admin/api-keys', headers: auth }), 403, 'FORBIDDEN')
  })
})

import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { buildTestApp } from '../../helpers/app.ts'
import { testConfig } from '../../helpers/database.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { registerAdmin } from './principals.ts'

/**
 * JWT attacks (RELIABILITY.md row 5): each forged or unfit token is a 401 with a code, on a
 * reader route and on an admin route, for a victim who is an admin (so any token that got
 * through would have been worth having). Tokens are crafted by hand or with jose, using the
 * test JWT secret where the attack needs it.
 */

const { app, db } = await buildTestApp({ after })
const SECRET = testConfig.JWT_SECRET!
const TARGETS = ['/api/me', '/api/admin/api-keys']
let victim: TestUser

before(async () => {
  victim = await registerAdmin(app, db)
})

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

const claims = (overrides: Record<string, unknown> = {}) => ({
  sub: String(victim.id),
  role: 'admin',
  sv: 1,
  iss: testConfig.JWT_ISSUER,
  aud: testConfig.JWT_AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...overrides,
})

/** header.payload signed with HMAC-SHA256 under `key`, whatever the header claims. */
function hmacToken(header: object, payload: object, key: string | Buffer = SECRET) {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}

const HEADER = { alg: 'HS256', typ: 'at+jwt' }

async function expectRefused(token: string, code: string) {
  for (const url of TARGETS) {
    const response = await app.inject({ url, headers: { authorization: `Bearer ${token}` } })
    assert.equal(response.statusCode, 401, `${url}: ${response.body}`)
    assertProblem(response, 401, code)
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="victoria"')
  }
}

test('control: a correctly made token is accepted on both routes', async () => {
  for (const url of TARGETS) {
    const response = await app.inject({
      url,
      headers: { authorization: `Bearer ${hmacToken(HEADER, claims())}` },
    })
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`)
  }
})

describe('signature and algorithm', () => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    test(`alg "${alg}" with an empty signature`, async () => {
      await expectRefused(`${b64({ alg, typ: 'at+jwt' })}.${b64(claims())}.`, 'INVALID_TOKEN')
    })
  }

  test('RS256 signed with the attacker’s own key, also with the key embedded as jwk', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const signed = (header: Record<string, unknown>) =>
      new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', ...header })
        .sign(privateKey)
    await expectRefused(await signed({}), 'INVALID_TOKEN')
    await expectRefused(await signed({ jwk: await exportJWK(publicKey) }), 'INVALID_TOKEN')
  })

  test('HS/RS confusion: HS256 keyed with an RSA public key, RS256 header over an HMAC', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true })
    await expectRefused(hmacToken(HEADER, claims(), await exportSPKI(publicKey)), 'INVALID_TOKEN')
    await expectRefused(hmacToken({ alg: 'RS256', typ: 'at+jwt' }, claims()), 'INVALID_TOKEN')
  })

  test('other HMAC algorithms under the right secret (the algorithm is pinned)', async () => {
    for (const alg of ['HS384', 'HS512'] as const) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(SECRET))
      await expectRefused(token, 'INVALID_TOKEN')
    }
  })

  test('an empty key', async () => {
    await expectRefused(hmacToken(HEADER, claims(), ''), 'INVALID_TOKEN')
  })

  test('one byte of the payload changed, or the payload rewritten under the old signature', async () => {
    const [header, payload, signature] = victim.accessToken.split('.') as [string, string, string]
    const flipped = payload.slice(0, 10) + (payload[10] === 'A' ? 'B' : 'A') + payload.slice(11)
    await expectRefused(`${header}.${flipped}.${signature}`, 'INVALID_TOKEN')
    const rewritten = b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sv: 2 })
    await expectRefused(`${header}.${rewritten}.${signature}`, 'INVALID_TOKEN')
  })

  test('the signature stripped', async () => {
    const [header, payload] = victim.accessToken.split('.')
    await expectRefused(`${header}.${payload}.`, 'INVALID_TOKEN')
    await expectRefused(`${header}.${payload}`, 'INVALID_TOKEN')
  })
})

describe('claims', () => {
  test('expired', async () => {
    await expectRefused(
      hmacToken(HEADER, claims({ iat: now() - 1200, exp: now() - 60 })),
      'TOKEN_EXPIRED',
    )
  })

  test('not valid before an hour from now', async () => {
    await expectRefused(hmacToken(HEADER, claims({ nbf: now() + 3600 })), 'INVALID_TOKEN')
  })

  test('no exp, no sub, no sv', async () => {
    for (const missing of ['exp', 'sub', 'sv']) {
      const partial: Record<string, unknown> = claims()
      delete partial[missing]
      await expectRefused(hmacToken(HEADER, partial), 'INVALID_TOKEN')
    }
  })

  test('wrong aud, wrong iss', async () => {
    await expectRefused(hmacToken(HEADER, claims({ aud: 'another-api' })), 'INVALID_TOKEN')
    await expectRefused(hmacToken(HEADER, claims({ iss: 'someone-else' })), 'INVALID_TOKEN')
  })

  test('a JWT that is not an access token: typ JWT, typ missing, another typ', async () => {
    for (const header of [
      { alg: 'HS256', typ: 'JWT' },
      { alg: 'HS256' },
      { alg: 'HS256', typ: 'rt+jwt' },
    ]) {
      await expectRefused(hmacToken(header, claims()), 'INVALID_TOKEN')
    }
  })

  test('a subject that is not a user id, or no such user', async () => {
    await expectRefused(hmacToken(HEADER, claims({ sub: 'admin' })), 'INVALID_TOKEN')
    await expectRefused(hmacToken(HEADER, claims({ sub: '1 OR 1=1' })), 'INVALID_TOKEN')
    await expectRefused(hmacToken(HEADER, claims({ sub: '99999999' })), 'SESSION_REVOKED')
  })

  test('an 8 KB token, however well signed', async () => {
    const token = hmacToken(HEADER, claims({ pad: 'x'.repeat(8 * 1024) }))
    assert.ok(token.length > 8 * 1024)
    await expectRefused(token, 'INVALID_TOKEN')
  })
})

describe('tokens that were real', () => {
  test('a refresh token presented as an access token', async () => {
    await expectRefused(victim.refreshToken, 'INVALID_TOKEN')
  })

  test('the token of a user an admin has disabled', async () => {
    const reader = await registerUser(app)
    assert.equal((await app.inject({ url: '/api/me', headers: reader.headers })).statusCode, 200)
    const disabled = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${reader.id}`,
      headers: victim.headers,
      payload: { disabled: true },
    })
    assert.equal(disabled.statusCode, 200, disabled.body)
    assertProblem(
      await app.inject({ url: '/api/me', headers: reader.headers }),
      401,
      'SESSION_REVOKED',
    )
  })

  test('a token from before logout-all (an older session version)', async () => {
    const reader = await registerUser(app)
    const out = await app.inject({
      method: 'POST',
      url: '/api/auth/logout-all',
      headers: reader.headers,
    })
    assert.equal(out.statusCode, 204)
    assertProblem(
      await app.inject({ url: '/api/me', headers: reader.headers }),
      401,
      'SESSION_REVOKED',
    )
  })

  test('malformed Authorization headers', async () => {
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      `Bearer  ${victim.accessToken}`,
      'Bearer',
      `Token ${victim.accessToken}`,
    ]) {
      assertProblem(
        await app.inject({ url: '/api/me', headers: { authorization } }),
        401,
        'AUTH_REQUIRED',
      )
    }
  })
})

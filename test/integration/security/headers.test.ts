import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { JSON_CSP, PAGE_CSP } from '../../../src/plugins/security-headers.ts'
import { buildLimitedApp } from './rate-limit-apps.ts'

/**
 * RELIABILITY.md row 10: the security headers on 200, 401, 404, 413, 429 and 500 answers (and
 * 400, 503's siblings come through the same hooks), and CORS from the allowlist only.
 */

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const close of closers) await close()
})

const ORIGIN = 'https://app.example.com'
const { app } = await buildLimitedApp((fn) => closers.push(fn), {
  NODE_ENV: 'production',
  RATE_LIMIT_AUTH: '1/900',
  CORS_ORIGINS: `${ORIGIN}, https://admin.example.com`,
  CORS_MAX_AGE_SECONDS: 600,
})
// a route that fails the way a bug would, to see the 500 answer
app.get('/test/boom', async () => {
  throw new Error('a bug')
})

const EXPECTED: Record<string, string | RegExp> = {
  'content-security-policy': JSON_CSP,
  'strict-transport-security': /^max-age=31536000; includeSubDomains$/,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': /camera=\(\).*geolocation=\(\)/,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

/** Names of the expected headers a response lacks or gets wrong, and any it must not carry. */
function missingHeaders(headers: Record<string, unknown>, csp: string = JSON_CSP): string[] {
  const wrong: string[] = []
  const expected: Record<string, string | RegExp> = { ...EXPECTED, 'content-security-policy': csp }
  for (const [name, want] of Object.entries(expected)) {
    const got = headers[name]
    const ok = typeof got === 'string' && (want instanceof RegExp ? want.test(got) : got === want)
    if (!ok) wrong.push(`${name}: ${String(got)}`)
  }
  if (headers['x-powered-by'] !== undefined) wrong.push('x-powered-by present')
  return wrong
}

describe('security headers', () => {
  test('on 200, 401, 404, 413, 429 and 500 answers alike', async (t) => {
    const refresh = {
      method: 'POST' as const,
      url: '/api/auth/refresh',
      payload: { refreshToken: 'x'.repeat(43) },
    }
    await app.inject(refresh) // spends the one auth point
    const cases = {
      200: await app.inject('/api/genres'),
      400: await app.inject('/api/books?limit=1000000'),
      401: await app.inject('/api/me'),
      404: await app.inject('/no/such/route'),
      413: await app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { 'content-type': 'application/json' },
        payload: `{"email":"${'a'.repeat(1024 * 1024)}"}`,
      }),
      429: await app.inject(refresh),
      500: await app.inject('/test/boom'),
    }
    let missing = 0
    for (const [status, response] of Object.entries(cases)) {
      assert.equal(response.statusCode, Number(status), `${status}: ${response.body.slice(0, 200)}`)
      const wrong = missingHeaders(response.headers)
      missing += wrong.length
      assert.deepEqual(wrong, [], `status ${status}`)
    }
    t.diagnostic(`statuses checked: ${Object.keys(cases).join(', ')}; missing headers: ${missing}`)
  })

  test('the API reference page gets a page policy that still forbids framing by others', async () => {
    const redirect = await app.inject('/docs')
    const page =
      redirect.statusCode === 302 ? await app.inject(String(redirect.headers.location)) : redirect
    assert.equal(page.statusCode, 200)
    assert.match(String(page.headers['content-type']), /text\/html/)
    const csp = String(page.headers['content-security-policy'])
    assert.notEqual(csp, JSON_CSP)
    assert.match(csp, /default-src 'self'/)
    assert.match(csp, /frame-ancestors '(self|none)'/)
    assert.equal(page.headers['x-frame-options'], 'DENY')
    // any other HTML answer gets the page policy
    assert.match(PAGE_CSP, /frame-ancestors 'none'/)
  })
})

describe('CORS', () => {
  test('a listed origin may call with credentials; the preflight is cached', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/me',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    assert.equal(preflight.statusCode, 204)
    assert.equal(preflight.headers['access-control-allow-origin'], ORIGIN)
    assert.equal(preflight.headers['access-control-allow-credentials'], 'true')
    assert.equal(preflight.headers['access-control-max-age'], '600')
    assert.match(String(preflight.headers['access-control-allow-methods']), /PATCH/)
    const simple = await app.inject({ url: '/api/genres', headers: { origin: ORIGIN } })
    assert.equal(simple.headers['access-control-allow-origin'], ORIGIN)
    assert.match(String(simple.headers.vary), /Origin/i)
    assert.match(String(simple.headers['access-control-expose-headers']), /RateLimit-Remaining/)
  })

  test('an unlisted origin gets no CORS grant, with or without credentials', async () => {
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example']) {
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/api/me',
        headers: { origin, 'access-control-request-method': 'GET' },
      })
      assert.equal(preflight.headers['access-control-allow-origin'], undefined, origin)
      assert.notEqual(preflight.headers['access-control-allow-credentials'], 'true', origin)
      const simple = await app.inject({ url: '/api/genres', headers: { origin } })
      assert.equal(simple.headers['access-control-allow-origin'], undefined, origin)
    }
  })
})

describe('CORS with no origin listed (the default)', async () => {
  const { app: closed } = await buildLimitedApp((fn) => closers.push(fn), {
    NODE_ENV: 'production',
    CORS_ORIGINS: '',
  })

  test('no origin gets a grant, and a preflight is refused as with an unlisted origin', async () => {
    for (const origin of [ORIGIN, 'https://evil.example']) {
      const preflight = await closed.inject({
        method: 'OPTIONS',
        url: '/api/me',
        headers: { origin, 'access-control-request-method': 'GET' },
      })
      assert.equal(preflight.statusCode, 404, origin)
      assert.equal(preflight.headers['access-control-allow-origin'], undefined, origin)
      const simple = await closed.inject({ url: '/api/genres', headers: { origin } })
      assert.equal(simple.statusCode, 200)
      assert.equal(simple.headers['access-control-allow-origin'], undefined, origin)
      assert.equal(simple.headers['access-control-allow-credentials'], undefined, origin)
      // the answer does not depend on Origin, so it does not say it varies by it
      assert.doesNotMatch(String(simple.headers.vary ?? ''), /Origin/i)
      assert.deepEqual(missingHeaders(simple.headers), [])
    }
  })

  test("with CORS on, an unlisted origin's preflight is the same 404", async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/me',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    })
    assert.equal(preflight.statusCode, 404)
  })
})

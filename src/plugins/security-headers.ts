import type { IncomingMessage, ServerResponse } from 'node:http'
import cors from '@fastify/cors'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import type { Config } from '../config.ts'

/** JSON answers load nothing and may be framed by no one. */
export const JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
/**
 * HTML pages (the API reference, an admin page): their own scripts, styles and images only.
 * Routes that set a stricter or more precise policy themselves (the reference UI, with hashes
 * of its inline scripts) keep theirs.
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
  "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
export const PERMISSIONS_POLICY =
  'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), ' +
  'microphone=(), payment=(), usb=(), interest-cohort=()'

const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'X-API-Key',
  'If-None-Match',
]
const EXPOSED_HEADERS = [
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
  'X-Request-Id',
  'X-Cache',
  'ETag',
]

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Every security header a JSON answer carries, for a reply written past the onSend hooks
     * (a cached hit: plugins/cache.ts). The hook below sets the same.
     */
    jsonSecurityHeaders: Readonly<Record<string, string>>
  }
}

export const listOf = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)

/**
 * The headers helmet sets for `options`, computed once. helmet's middleware decides the same
 * headers for every request (the content security policy, the only per-response one, is chosen
 * in onSend below), so running it on a stand-in response at startup gives the exact set, and
 * each request then assigns a ready object instead of building a middleware chain (which
 * @fastify/helmet does on every request: decision 0014).
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value)
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }
  let finished = false
  helmet(options)(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error
      finished = true
    },
  )
  // helmet 8 runs synchronously; were it ever not to, failing here beats sending no headers
  if (!finished) throw new Error('helmet did not finish synchronously')
  return headers
}

/**
 * Security headers on every response, errors and 429s included (set as the answer leaves, when
 * the content security policy is also chosen by what the answer is), and CORS for the origins in CORS_ORIGINS only, with
 * credentials, the preflight cached for CORS_MAX_AGE_SECONDS.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const staticHeaders = helmetHeaders({
      // chosen per answer in onSend below
      contentSecurityPolicy: false,
      // HTTPS is the proxy's job; only production promises it to browsers for a year
      strictTransportSecurity:
        config.NODE_ENV === 'production'
          ? { maxAge: 31_536_000, includeSubDomains: true, preload: false }
          : false,
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      // would stop the reference UI from loading its own assets in some browsers; nothing to gain
      // for a JSON API
      crossOriginEmbedderPolicy: false,
    })
    staticHeaders['permissions-policy'] = PERMISSIONS_POLICY
    app.decorate(
      'jsonSecurityHeaders',
      Object.freeze({ ...staticHeaders, 'content-security-policy': JSON_CSP }),
    )
    // With no origin listed (the default), no cross-origin call is ever granted: @fastify/cors
    // would only add Vary: Origin and refuse every preflight (404), at the price of an options
    // spread and two route lookups on every request. Without it the answers are the same, minus
    // a Vary that no longer applies, and a preflight is the same 404.
    const origins = new Set(listOf(config.CORS_ORIGINS))
    if (origins.size > 0) {
      await app.register(cors, {
        // a function, not `true`: an unlisted origin gets no Access-Control-Allow-Origin at all
        origin: (origin, callback) => callback(null, origin !== undefined && origins.has(origin)),
        credentials: true,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ALLOWED_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: config.CORS_MAX_AGE_SECONDS,
        strictPreflight: true,
      })
    }

    // Every answer passes here, errors and 429s included, so one hook sets them all (a hook
    // fewer on every request than setting them on arrival). Callback style: an async hook
    // costs a promise each time.
    app.addHook('onSend', (_request, reply, payload, done) => {
      reply.headers(staticHeaders)
      if (!reply.hasHeader('content-security-policy')) {
        const type = String(reply.getHeader('content-type') ?? '')
        reply.header('content-security-policy', type.startsWith('text/html') ? PAGE_CSP : JSON_CSP)
      }
      done(null, payload)
    })
  },
  { name: 'security-headers' },
)

import createError from '@fastify/error'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { ApiKeyInUrl } from '../modules/accounts/accounts.errors.ts'

export const JsonTooDeep = createError(
  'JSON_TOO_DEEP',
  'The JSON body is nested deeper than %s levels',
  400,
)
export const QueryTooLong = createError(
  'QUERY_TOO_LONG',
  'The query string is longer than %s bytes',
  414,
)

/**
 * How deep the arrays and objects of a JSON text nest, stopping as soon as `max` is passed, so
 * that a 10,000-deep body is refused before JSON.parse recurses through it. One pass over the
 * characters; brackets inside strings do not count.
 */
export function exceedsDepth(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    }
  }
  return false
}

// API keys travel in X-API-Key only: one in a URL ends up in access logs, proxies and history
const KEY_IN_QUERY = /[?&](api[_-]?key|apikey|x-api-key|key)=/i

/**
 * Request limits beyond Fastify's body limit and request timeout: the query string's length
 * (414), no API key in it (400), and the nesting depth of JSON bodies (400). JSON is still
 * parsed by Fastify's own parser (secure-json-parse: `__proto__` and `constructor.prototype` keys
 * refused), after the depth check.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const maxQuery = config.QUERY_STRING_MAX_BYTES
    const maxDepth = config.JSON_MAX_DEPTH

    // callback style: on every request, and an async hook costs a promise each time
    app.addHook('onRequest', (request, _reply, done) => {
      const url = request.url
      const at = url.indexOf('?')
      if (at === -1) done()
      else if (url.length - at - 1 > maxQuery) done(new QueryTooLong(maxQuery))
      else if (KEY_IN_QUERY.test(url)) done(new ApiKeyInUrl())
      else done()
    })

    const parseJson = app.getDefaultJsonParser('error', 'error')
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (exceedsDepth(body as string, maxDepth)) {
        done(new JsonTooDeep(maxDepth), undefined)
        return
      }
      parseJson(request, body as string, done)
    })
  },
  { name: 'request-limits' },
)

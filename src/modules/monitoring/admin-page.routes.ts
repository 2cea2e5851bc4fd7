import { readFile } from 'node:fs/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

/**
 * The admin monitoring page: three static files, public (the data behind them is not: the page
 * logs in and calls the admin API with the token in memory). Served with a CSP that allows only
 * this origin's scripts, styles and API, so the page has no inline code to allow.
 */

const DIR = new URL('../../../public/admin/', import.meta.url)

export const ADMIN_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

const FILES = [
  { url: '/admin', file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: '/admin/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { url: '/admin/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
] as const

const adminPageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const { url, file, type } of FILES) {
    // read once at startup: a few KiB, and a missing file fails the boot, not a request
    const body = await readFile(new URL(file, DIR), 'utf8')
    app.get(
      url,
      {
        schema: {
          tags: ['monitoring'],
          summary: `Admin monitoring page: ${file}`,
          produces: [type.split(';')[0]!],
          response: { 200: Type.String() },
        },
      },
      async (_request, reply) =>
        reply
          .type(type)
          .header('content-security-policy', ADMIN_PAGE_CSP)
          .header('x-content-type-options', 'nosniff')
          .header('x-frame-options', 'DENY')
          .header('referrer-policy', 'no-referrer')
          .header('cache-control', 'no-cache')
          .send(body),
    )
  }
}

export default adminPageRoutes

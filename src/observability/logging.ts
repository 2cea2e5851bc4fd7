import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../config.ts'

/** What is never written to a log line: credentials, session cookies, passwords, tokens. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.secret',
  'body.password',
  'body.refreshToken',
]

/**
 * Fastify's pino options: JSON lines everywhere, human-readable output in development only,
 * and only when pino-pretty (a devDependency) is installed.
 */
export function loggerOptions(
  config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>,
): FastifyServerOptions['logger'] {
  const base = {
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  }
  if (config.NODE_ENV !== 'development' || !prettyAvailable()) return base
  return {
    ...base,
    transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', colorize: true } },
  }
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty')
    return true
  } catch {
    return false
  }
}

import { parseArgs } from 'node:util'
import { DEFAULT_ADMIN_URL } from './postgres.ts'

/** Integer flags with bounds, so a typo fails before minutes of setup rather than after. */
export function intFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = values[name]
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${String(raw)}`)
  }
  return value
}

/**
 * The options every load benchmark takes (`--engine --runs --duration --connections --warmup
 * --admin-url --no-write`), for parseArgs; each script adds its own and picks its defaults.
 */
export const LOAD_BENCH_OPTIONS = {
  engine: { type: 'string' },
  runs: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string' },
  warmup: { type: 'string' },
  'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
  'no-write': { type: 'boolean', default: false },
} as const

export { parseArgs }

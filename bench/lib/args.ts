import { parseArgs } from 'node:util'

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

export { parseArgs }

import { Type } from 'typebox'

/** A duration in milliseconds, 1 ms to an hour. */
export const PositiveMs = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 3_600_000, default: def, description })

/** "points/seconds,burstPoints/burstSeconds": a long window and a short one on top (burst). */
export const RateLimitSpec = (def: string, what: string) =>
  Type.String({
    pattern: '^[0-9]+/[0-9]+(,[0-9]+/[0-9]+)?$',
    default: def,
    description: `rate limit of ${what}: points/seconds, then the burst limit points/seconds`,
  })

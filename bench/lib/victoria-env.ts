/**
 * The environment every benchmark starts Victoria with: production mode, quiet logs, a fixed
 * JWT secret (production requires one), and rate limits out of reach — one client address at
 * full speed would otherwise be answered 429. The limiter's own cost is still paid: it counts
 * every request, only the limits are high. Load shedding is off: a closed loop of 50
 * connections keeps the event loop busy all the time by design, which is what shedding exists
 * to refuse (503), and a benchmark measures what the server can do at that saturation.
 */
export const VICTORIA_BENCH_ENV = {
  HOST: '127.0.0.1',
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'bench-only-secret-of-at-least-32-chars',
  RATE_LIMIT_GLOBAL: '1000000000/900',
  RATE_LIMIT_AUTH: '1000000000/900',
  RATE_LIMIT_SEARCH: '1000000000/60',
  RATE_LIMIT_PAYMENT: '1000000000/60',
  RATE_LIMIT_REVIEWS: '1000000000/60',
  LOAD_SHEDDING_ENABLED: 'false',
} as const

import { Type } from 'typebox'
import { PositiveMs, RateLimitSpec } from './setting-types.ts'

/** Security: client address, CORS, rate limits, request limits, load shedding, audit log. Spread into the one env schema in src/config.ts. */
export const securitySettings = {
  // --- security: client address, CORS, rate limits, request limits, load shedding, audit log ---
  TRUST_PROXY: Type.String({
    default: '',
    pattern: '^[0-9A-Fa-f.:/, ]*$',
    description:
      'comma-separated addresses or CIDRs of the reverse proxies whose X-Forwarded-For is ' +
      'believed (e.g. 10.0.0.5,10.1.0.0/16); empty trusts none (never "true")',
  }),
  CORS_ORIGINS: Type.String({
    default: '',
    description:
      'comma-separated origins allowed by CORS, with credentials (e.g. https://app.example.com); ' +
      'empty allows no cross-origin browser calls',
  }),
  CORS_MAX_AGE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 86400,
    default: 600,
    description: 'how long a browser may cache a CORS preflight answer',
  }),
  RATE_LIMIT_ENABLED: Type.Boolean({ default: true, description: 'turn rate limiting off' }),
  RATE_LIMIT_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9_:-]{1,64}$',
    default: 'victoria:rl',
    description: 'namespace of the rate-limit counters in Redis (shared by every instance)',
  }),
  RATE_LIMIT_GLOBAL: RateLimitSpec('1000/900,100/10', 'every route'),
  RATE_LIMIT_AUTH: RateLimitSpec(
    '5/900,3/10',
    'login, register and refresh; per client address and per account',
  ),
  RATE_LIMIT_SEARCH: RateLimitSpec('60/60,20/5', 'search and suggestions'),
  RATE_LIMIT_PAYMENT: RateLimitSpec('10/60,3/5', 'orders and payments (not the webhook)'),
  RATE_LIMIT_REVIEWS: RateLimitSpec('5/60,2/5', 'review writes and votes'),
  RATE_LIMIT_API_KEY_MULTIPLIERS: Type.String({
    default: 'standard:1,partner:5,internal:20',
    pattern: '^([a-z]+:[0-9]+(\\.[0-9]+)?)(,[a-z]+:[0-9]+(\\.[0-9]+)?)*$',
    description: 'API keys are counted per key, their limits multiplied by their tier',
  }),
  QUERY_STRING_MAX_BYTES: Type.Integer({
    minimum: 256,
    maximum: 65536,
    default: 4096,
    description: 'longest accepted query string (414 beyond)',
  }),
  JSON_MAX_DEPTH: Type.Integer({
    minimum: 2,
    maximum: 1000,
    default: 32,
    description: 'deepest accepted nesting of a JSON body (400 beyond)',
  }),
  LOAD_SHEDDING_ENABLED: Type.Boolean({
    default: true,
    description: 'answer 503 with Retry-After while the event loop or memory is saturated',
  }),
  LOAD_SHEDDING_MAX_EVENT_LOOP_DELAY_MS: PositiveMs(1_000, 'event-loop delay that sheds load'),
  LOAD_SHEDDING_MAX_EVENT_LOOP_UTILIZATION: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.98,
    description: 'event-loop utilization (0-1) that sheds load',
  }),
  LOAD_SHEDDING_MAX_HEAP_BYTES: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'heap used that sheds load; 0 means 90% of the heap limit',
  }),
  LOAD_SHEDDING_RETRY_AFTER_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 600,
    default: 5,
    description: 'Retry-After sent with a load-shedding 503',
  }),
  SECURITY_EVENT_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 90,
    description: 'security audit events older than this are deleted',
  }),
}

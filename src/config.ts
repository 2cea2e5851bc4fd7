import { type Static, Type } from 'typebox'
import { Value } from 'typebox/value'
import { jobsSettings } from './config/jobs-settings.ts'
import { observabilitySettings } from './config/observability-settings.ts'
import { paymentsSettings } from './config/payments-settings.ts'
import { securitySettings } from './config/security-settings.ts'
import { PositiveMs } from './config/setting-types.ts'

/**
 * The one environment schema. Every setting Victoria reads is declared here (the settings of
 * payments, jobs, security and observability in src/config/), each with its default;
 * nothing else in the code base reads `process.env`. The README's configuration table mirrors it.
 */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'production', 'test'], {
    default: 'development',
    description: 'development, production or test',
  }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address to listen on' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'pino log level: fatal, error, warn, info, debug, trace or silent',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'PostgreSQL URL; when unset, embedded PGlite is used',
    }),
  ),
  VICTORIA_DATA_DIR: Type.String({
    minLength: 1,
    default: '.data',
    description: 'where embedded PGlite keeps its files',
  }),
  GOODBOOKS_DIR: Type.String({
    minLength: 1,
    default: 'data/goodbooks',
    description: 'the goodbooks CSV files (plain or .gz) the importer reads',
  }),
  AUTO_SEED: Type.Boolean({
    default: true,
    description: 'embedded mode: import the goodbooks catalog on first start when it is empty',
  }),
  DB_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'pg pool size' }),
  DB_CONNECTION_TIMEOUT_MS: PositiveMs(5_000, 'wait for a pooled connection before failing'),
  DB_STATEMENT_TIMEOUT_MS: PositiveMs(5_000, 'PostgreSQL statement_timeout per connection'),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: PositiveMs(10_000, 'idle_in_transaction_session_timeout'),
  REQUEST_TIMEOUT_MS: PositiveMs(
    30_000,
    'Fastify requestTimeout: whole request must arrive within',
  ),
  SHUTDOWN_GRACE_MS: PositiveMs(10_000, 'SIGTERM: time to drain in-flight requests before exit'),
  JWT_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'HS256 key for access tokens, 32+ characters; required in production, otherwise ' +
        'generated once and kept in VICTORIA_DATA_DIR/jwt-secret',
    }),
  ),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'victoria', description: 'JWT iss claim' }),
  JWT_AUDIENCE: Type.String({
    minLength: 1,
    default: 'victoria-api',
    description: 'JWT aud claim',
  }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 3600,
    default: 900,
    description: 'lifetime of an access token',
  }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({
    minimum: 300,
    maximum: 90 * 86400,
    default: 14 * 86400,
    description: 'lifetime of one refresh token (each use issues the next)',
  }),
  SESSION_MAX_AGE_SECONDS: Type.Integer({
    minimum: 300,
    maximum: 365 * 86400,
    default: 60 * 86400,
    description: 'absolute lifetime of a login session, however often it is refreshed',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description: 'Redis for the shared cache (L2 + invalidation bus); unset means memory only',
    }),
  ),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 10_000,
    default: 150,
    description: 'a Redis command slower than this fails, and the cache falls back to PostgreSQL',
  }),
  CACHE_ENABLED: Type.Boolean({ default: true, description: 'turn the response cache off' }),
  CACHE_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9_:-]{1,64}$',
    default: 'victoria',
    description: 'namespace of cache keys and bus channel in Redis (one per deployment)',
  }),
  CACHE_L1_MAX_MB: Type.Integer({
    minimum: 1,
    maximum: 4096,
    default: 64,
    description: 'memory bound of the in-process cache (L1)',
  }),
  CACHE_VALIDATED_MAX_MB: Type.Integer({
    minimum: 0,
    maximum: 4096,
    default: 16,
    description:
      'memory for hot answers kept parsed in front of L1 and trusted until an invalidation (0: off)',
  }),
  CACHE_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 5000,
    default: 200,
    description: 'longest wait for a cache layer before serving from PostgreSQL',
  }),
  CACHE_GRACE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 7 * 86400,
    default: 6 * 3600,
    description: 'how long an expired entry may still be served while it is refreshed',
  }),
  CACHE_TTL_BOOKS_SECONDS: Type.Integer({ minimum: 1, default: 3600, description: 'catalog TTL' }),
  CACHE_TTL_SEARCH_SECONDS: Type.Integer({ minimum: 1, default: 1800, description: 'search TTL' }),
  CACHE_TTL_USER_SECONDS: Type.Integer({ minimum: 1, default: 1800, description: 'user data TTL' }),
  CACHE_TTL_ANALYTICS_SECONDS: Type.Integer({
    minimum: 1,
    default: 86400,
    description: 'analytics TTL',
  }),
  CACHE_TTL_RECOMMENDATIONS_SECONDS: Type.Integer({
    minimum: 1,
    default: 3600,
    description: 'recommendations TTL',
  }),
  ADMIN_PASSWORD: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description:
        "admin:create only: the new admin's password (otherwise read from stdin, never from " +
        'the command line); surrounding whitespace is ignored, as for every variable',
    }),
  ),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 100 * 1024 * 1024,
    default: 1024 * 1024,
    description: 'largest accepted request body',
  }),
  ...paymentsSettings,
  ...jobsSettings,
  ...securitySettings,
  ...observabilitySettings,
})

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const keys = Object.keys(ConfigSchema.properties) as (keyof Config)[]

/**
 * Reads the settings from an environment map, applying defaults and converting strings to numbers
 * and booleans. Throws a ConfigError naming every bad key at once, so a broken deployment is
 * fixed in one round trip rather than one variable at a time. Empty strings count as unset.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {}
  for (const key of keys) {
    const raw = env[key]
    if (raw !== undefined && raw.trim() !== '') picked[key] = raw.trim()
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, picked)) as Config
  // checked key by key: one message per bad key, and no cap on how many keys are reported
  const problems: string[] = []
  for (const key of keys) {
    // every required key has a default, so only an optional one that is unset can be undefined
    if (converted[key] === undefined) continue
    const [error] = Value.Errors(ConfigSchema.properties[key], converted[key])
    if (error) problems.push(describe(key, picked[key], error.message))
  }
  if (converted.NODE_ENV === 'production' && !converted.JWT_SECRET) {
    problems.push('JWT_SECRET: is required when NODE_ENV=production (32+ random characters)')
  }
  if (converted.REFRESH_TOKEN_TTL_SECONDS > converted.SESSION_MAX_AGE_SECONDS) {
    problems.push('REFRESH_TOKEN_TTL_SECONDS: must not exceed SESSION_MAX_AGE_SECONDS')
  }
  if (converted.PAYMENT_PROVIDER === 'stripe') {
    for (const key of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const) {
      if (!converted[key]) problems.push(`${key}: is required when PAYMENT_PROVIDER=stripe`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return converted
}

// Error messages end up in terminals, CI logs and log collectors: a secret that fails its rule is
// described by its length, and a URL's password is masked, never echoed.
const SECRET_KEYS = new Set([
  'JWT_SECRET',
  'ADMIN_PASSWORD',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'LOCAL_PAYMENTS_WEBHOOK_SECRET',
  'ALERT_WEBHOOK_SECRET',
  'MONITOR_API_KEY',
  'SENTRY_DSN',
])

// `raw` may have been converted in place by Value.Default/Convert (a number, a boolean)
function shown(key: string, raw: unknown): string {
  if (raw === undefined) return 'nothing'
  if (SECRET_KEYS.has(key)) return `a secret of ${String(raw).length} characters`
  if (typeof raw !== 'string') return JSON.stringify(raw)
  return JSON.stringify(raw.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@'))
}

function describe(key: string, raw: string | undefined, message: string): string {
  const schema = ConfigSchema.properties[key as keyof Config] as { description?: string }
  const got = shown(key, raw)
  return `${key}: ${message} (got ${got}; ${schema?.description ?? ''})`
}

/** What the startup log says about where Victoria runs (never includes credentials). */
export function describeConfig(config: Config): Record<string, string | number | boolean> {
  return {
    mode: config.DATABASE_URL ? 'postgres' : 'embedded',
    host: config.HOST,
    port: config.PORT,
    dataDir: config.DATABASE_URL ? '-' : config.VICTORIA_DATA_DIR,
  }
}

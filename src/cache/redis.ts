import { Redis, type RedisOptions } from 'ioredis'

export interface RedisLogger {
  warn(obj: object, msg: string): void
}

/**
 * Redis connection settings that keep a dead or frozen Redis from stalling requests
 * (RELIABILITY.md): no offline queue (commands fail at once while disconnected), one retry
 * per command, and short connect and command timeouts. ioredis keeps reconnecting in the
 * background, so the cache recovers by itself when Redis returns.
 */
export function redisOptions(commandTimeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  }
}

export function createRedis(url: string, commandTimeoutMs: number, logger: RedisLogger): Redis {
  return reportErrors(new Redis(url, redisOptions(commandTimeoutMs)), logger)
}

/** Logs a connection's failures once per outage (ioredis emits one per reconnect attempt). */
export function reportErrors(redis: Redis, logger: RedisLogger): Redis {
  let reported = false
  // without a listener, ioredis prints every connection error as an unhandled 'error' event
  redis.on('error', (err) => {
    if (!reported) logger.warn({ err: err.message }, 'Redis unavailable; serving without it')
    reported = true
  })
  redis.on('ready', () => {
    reported = false
  })
  return redis
}

/**
 * The bus (pub/sub) connections are created by bentocache from these options. A subscriber
 * must queue its SUBSCRIBE until connected, and resubscribes after reconnecting.
 */
export function busConnectionOptions(url: string): RedisOptions {
  const parsed = new URL(url)
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    connectTimeout: 1_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    autoResubscribe: true,
  }
}

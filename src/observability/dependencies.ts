import { statfs } from 'node:fs/promises'
import { getHeapStatistics } from 'node:v8'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'

/**
 * The dependency checks /api/health reports and the DependencyDown alert watches: each with its
 * status (ok, degraded, down or disabled), response time and, when not ok, the reason.
 */

export type DependencyStatus = 'ok' | 'degraded' | 'down' | 'disabled'

export interface DependencyCheck {
  status: DependencyStatus
  responseTimeMs?: number
  detail?: string
}

const CHECK_TIMEOUT_MS = 2_000
const HEAP_DEGRADED = 0.9
const LAG_DEGRADED_MS = 200
const DISK_MIN_FREE_BYTES = 256 * 1024 * 1024
const DISK_MIN_FREE_RATIO = 0.05

/** Runs `check` with a time limit: ok with its response time, or down with the reason. */
export async function timed(
  check: () => Promise<unknown>,
): Promise<DependencyCheck & { status: 'ok' | 'down'; responseTimeMs: number }> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        )
      }),
    ])
    return { status: 'ok', responseTimeMs: elapsed(started) }
  } catch (error) {
    return { status: 'down', responseTimeMs: elapsed(started), detail: (error as Error).message }
  } finally {
    clearTimeout(timer)
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100

export async function checkDatabase(app: FastifyInstance) {
  return timed(() => sql`/* q:health */ SELECT 1`.execute(app.database.db))
}

export async function checkRedis(app: FastifyInstance): Promise<DependencyCheck> {
  if (!app.redis) return { status: 'disabled', detail: 'REDIS_URL not set: memory cache only' }
  return timed(() => app.redis!.ping())
}

/** The response cache fails open: without Redis it serves from L1 and PostgreSQL, degraded. */
export function checkCache(app: FastifyInstance, redis: DependencyCheck): DependencyCheck {
  const stats = app.cache?.stats()
  if (!stats?.enabled) return { status: 'disabled', detail: 'CACHE_ENABLED=false' }
  const l1 = `L1 ${stats.l1.entries} entries, ${Math.round(stats.l1.bytes / 1024)} KiB of ${Math.round(stats.l1.maxBytes / 1048576)} MiB`
  if (redis.status === 'down') {
    return { status: 'degraded', detail: `${l1}; L2 (Redis) unreachable, serving from L1` }
  }
  return { status: 'ok', detail: l1 }
}

export function checkMemory() {
  const memory = process.memoryUsage()
  const limit = getHeapStatistics().heap_size_limit
  const ratio = memory.heapUsed / limit
  return {
    status: (ratio > HEAP_DEGRADED ? 'degraded' : 'ok') as DependencyStatus,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapLimitBytes: limit,
    ...(ratio > HEAP_DEGRADED
      ? { detail: `heap at ${Math.round(ratio * 100)} % of its limit` }
      : {}),
  }
}

export function checkEventLoop(lagMs: number) {
  return {
    status: (lagMs > LAG_DEGRADED_MS ? 'degraded' : 'ok') as DependencyStatus,
    lagMs,
    ...(lagMs > LAG_DEGRADED_MS ? { detail: `p99 delay ${lagMs} ms > ${LAG_DEGRADED_MS} ms` } : {}),
  }
}

/** Free space where embedded PGlite keeps its files; not applicable on PostgreSQL. */
export async function checkDisk(dataDir: string | null) {
  if (!dataDir) return { status: 'disabled' as DependencyStatus, detail: 'PostgreSQL: no data dir' }
  const started = performance.now()
  try {
    const s = await statfs(dataDir)
    const total = s.blocks * s.bsize
    const free = s.bavail * s.bsize
    const low = free < DISK_MIN_FREE_BYTES || free / total < DISK_MIN_FREE_RATIO
    return {
      status: (low ? 'degraded' : 'ok') as DependencyStatus,
      responseTimeMs: elapsed(started),
      path: dataDir,
      freeBytes: free,
      totalBytes: total,
      ...(low ? { detail: `only ${Math.round(free / 1048576)} MiB free` } : {}),
    }
  } catch (error) {
    return {
      status: 'disabled' as DependencyStatus,
      path: dataDir,
      detail: `not on disk: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    }
  }
}

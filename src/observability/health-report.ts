import type { FastifyInstance } from 'fastify'
import {
  checkCache,
  checkDatabase,
  checkDisk,
  checkEventLoop,
  checkMemory,
  checkRedis,
} from './dependencies.ts'

export interface HealthOptions {
  version: string
  /** embedded PGlite's directory, whose free space is checked; null on PostgreSQL */
  dataDir: string | null
}

/**
 * The health of this instance and its dependencies. `down` when the database does not answer
 * (nothing can be served); `degraded` when something fails open (Redis down: the cache serves
 * from memory and PostgreSQL), the heap is nearly full or the data dir's disk is nearly full.
 * Event-loop lag is reported with its own status but does not change the overall one: an
 * instance answering this probe is serving, and PGlite blocks the loop by design while it runs
 * a long statement; the EventLoopLagHigh alert watches it instead.
 */
export async function healthReport(app: FastifyInstance, options: HealthOptions) {
  const [database, redis, disk] = await Promise.all([
    checkDatabase(app),
    checkRedis(app),
    checkDisk(app.database.engine === 'pglite' ? options.dataDir : null),
  ])
  const cache = checkCache(app, redis)
  const memory = checkMemory()
  const eventLoop = checkEventLoop(
    app.hasDecorator('observability') ? app.observability.system.eventLoopLagMs() : 0,
  )
  const degraded = [redis, cache, memory, disk].some(
    (c) => c.status === 'down' || c.status === 'degraded',
  )
  const status = database.status === 'down' ? 'down' : degraded ? 'degraded' : 'ok'
  return {
    status: status as 'ok' | 'degraded' | 'down',
    version: options.version,
    uptimeSeconds: Math.round(process.uptime()),
    checks: { database, redis, cache, memory, eventLoop, disk },
  }
}

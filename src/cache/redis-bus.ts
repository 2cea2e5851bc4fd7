import { redisBusDriver } from 'bentocache/drivers/redis'
import type { BusDriver, CreateBusDriverResult } from 'bentocache/types'
import { Redis, type RedisOptions } from 'ioredis'
import { type RedisLogger, reportErrors } from './redis.ts'

/**
 * bentocache's Redis bus, made to fail open like the rest of the cache (RELIABILITY.md rows 15
 * and 16). As it comes, while Redis restarts or is frozen:
 *
 * - a publish waits in ioredis's offline queue for the reconnect (the subscriber needs that
 *   queue, and both connections share their options), and so does whatever awaits it: a cache
 *   write, a tag invalidation, the request behind them. Here a publish is bounded by the cache
 *   timeout and a late one fails like any other: the bus keeps it in its retry queue and sends
 *   it on reconnect or on its 2 s retry tick. The original may still leave ioredis's queue;
 *   a bus message only evicts, so twice is harmless.
 * - a SUBSCRIBE that fails (Redis unreachable at startup) rejects a promise bentocache never
 *   awaits, which ends the process. Here it is retried until it holds.
 * - the connections' errors are printed by ioredis as unhandled events, one per reconnect
 *   attempt, and closing waits on a QUIT that a dead Redis never answers. Here the connections
 *   are ours: errors are logged once an outage, and closing ends them after the cache timeout.
 */
export function failOpenRedisBusDriver(
  connectionOptions: RedisOptions,
  timeoutMs: number,
  logger: RedisLogger,
): CreateBusDriverResult {
  return {
    // bentocache's default retry queue is unbounded; a long outage must not grow it forever
    options: { retryQueue: { enabled: true, maxSize: 1000 } },
    factory: () => {
      const connections = new OwnConnections(connectionOptions, logger)
      const transport = redisBusDriver({ connection: connections }).factory({})
      return new FailOpenTransport(transport, connections, timeoutMs, logger)
    },
  }
}

const SUBSCRIBE_RETRY_MS = 1_000

/**
 * The bus's transport takes a connection and duplicates it into a publisher and a subscriber.
 * This one never connects itself; its duplicates are built from our options, watched and kept.
 */
class OwnConnections extends Redis {
  readonly made: Redis[] = []

  constructor(
    private readonly connectionOptions: RedisOptions,
    private readonly logger: RedisLogger,
  ) {
    super({ ...connectionOptions, lazyConnect: true })
  }

  override duplicate(): Redis {
    const connection = reportErrors(new Redis(this.connectionOptions), this.logger)
    this.made.push(connection)
    return connection
  }
}

class FailOpenTransport implements BusDriver {
  private closed = false
  private readonly retries = new Set<NodeJS.Timeout>()

  constructor(
    private readonly transport: BusDriver,
    private readonly connections: OwnConnections,
    private readonly timeoutMs: number,
    private readonly logger: RedisLogger,
  ) {}

  setId(id: string) {
    this.transport.setId(id)
    return this
  }

  onReconnect(callback: () => void) {
    this.transport.onReconnect(callback)
  }

  publish(...args: Parameters<BusDriver['publish']>): Promise<void> {
    return this.within(this.transport.publish(...args), `bus publish over ${this.timeoutMs} ms`)
  }

  subscribe: BusDriver['subscribe'] = (channel, handler) => {
    const attempt = (): Promise<void> =>
      this.transport.subscribe(channel, handler).catch((err: unknown) => {
        if (this.closed) return
        this.logger.warn(
          { err: (err as Error).message, channel },
          'cache bus subscription failed; retrying (other instances’ invalidations wait)',
        )
        const timer = setTimeout(() => {
          this.retries.delete(timer)
          void attempt()
        }, SUBSCRIBE_RETRY_MS)
        timer.unref()
        this.retries.add(timer)
      })
    return attempt()
  }

  unsubscribe(channel: string) {
    return this.transport.unsubscribe(channel)
  }

  async disconnect() {
    this.closed = true
    for (const timer of this.retries) clearTimeout(timer)
    // a clean QUIT while Redis answers; whatever is left after the timeout is cut
    await this.within(this.transport.disconnect(), 'bus QUIT timed out').catch(() => {})
    for (const connection of [this.connections, ...this.connections.made]) connection.disconnect()
  }

  /** `work`, or a rejection once the cache timeout passes (the race handles both outcomes) */
  private within<T>(work: Promise<T>, message: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), this.timeoutMs)
    })
    return Promise.race([work, late]).finally(() => clearTimeout(timer))
  }
}

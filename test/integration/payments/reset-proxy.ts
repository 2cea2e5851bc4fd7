import type { AddressInfo } from 'node:net'
import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy on loopback that can reset every connection through it at once: PostgreSQL seen
 * from the app as if the network (or the server) dropped every session mid-query, without
 * touching the machine's shared server.
 */
export class ResetProxy {
  resets = 0
  connectionsReset = 0
  private readonly pairs = new Set<[Socket, Socket]>()
  private timer: NodeJS.Timeout | undefined
  port = 0

  private constructor(private readonly server: Server) {}

  static async start(targetHost: string, targetPort: number): Promise<ResetProxy> {
    const proxy: ResetProxy = new ResetProxy(
      createServer((client) => {
        const upstream = connect(targetPort, targetHost)
        const pair: [Socket, Socket] = [client, upstream]
        proxy.pairs.add(pair)
        const end = () => {
          proxy.pairs.delete(pair)
          client.destroy()
          upstream.destroy()
        }
        client.on('error', end).on('close', end)
        upstream.on('error', end).on('close', end)
        client.pipe(upstream)
        upstream.pipe(client)
      }),
    )
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve))
    proxy.port = (proxy.server.address() as AddressInfo).port
    return proxy
  }

  /** Resets every open connection (RST to the client, close to the server). */
  resetAll() {
    this.resets++
    for (const pair of this.pairs) {
      this.connectionsReset++
      pair[0].resetAndDestroy()
      pair[1].destroy()
    }
    this.pairs.clear()
  }

  /** Resets everything at random moments, every `minMs`–`maxMs`, until stopped. */
  startChaos(minMs: number, maxMs: number) {
    const next = () => {
      this.timer = setTimeout(
        () => {
          this.resetAll()
          next()
        },
        minMs + Math.random() * (maxMs - minMs),
      )
    }
    next()
  }

  stopChaos() {
    clearTimeout(this.timer)
  }

  async close() {
    this.stopChaos()
    for (const [client, upstream] of this.pairs) {
      client.destroy()
      upstream.destroy()
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

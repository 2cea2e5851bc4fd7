import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

// what a proxy's id may look like: no spaces, quotes or newlines that could forge log lines
const VALID_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/

const normalize = (address: string) => address.replace(/^::ffff:/, '')

/**
 * Fastify's genReqId: an incoming X-Request-Id is kept only when the connection comes from a
 * trusted proxy (the same addresses as Fastify's trustProxy), so a client cannot choose the id
 * under which its requests are logged; otherwise, and for malformed ids, a fresh UUID.
 */
export function requestIdGenerator(trustedProxies: readonly string[] | null | undefined) {
  const trusted = new Set((trustedProxies ?? []).map(normalize))
  if (trusted.size === 0) return () => randomUUID()
  return (req: IncomingMessage) => {
    const incoming = req.headers['x-request-id']
    const peer = normalize(req.socket?.remoteAddress ?? '')
    if (typeof incoming === 'string' && VALID_ID.test(incoming) && trusted.has(peer)) {
      return incoming
    }
    return randomUUID()
  }
}

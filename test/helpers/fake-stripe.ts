import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A small Stripe API on 127.0.0.1 for tests: PaymentIntents, refunds and Stripe's idempotency
 * rules (a key replays its first answer, a key reused with other parameters is a 400, a key
 * whose first request is still running is a 409), with counters of what it really created and
 * switchable faults: answer 500, stall, or commit the work and then drop the connection.
 * Point the stripe SDK at it with STRIPE_API_HOST/PORT/PROTOCOL.
 */

export type Fault = '500' | 'stall' | 'commit-then-drop'

export const FAKE_SECRET_KEY = 'sk_test_fake_victoria'

interface Intent {
  id: string
  object: 'payment_intent'
  amount: number
  currency: string
  status: string
  amount_received: number
  client_secret: string
  metadata: Record<string, string>
  latest_charge: string | null
  created: number
  livemode: false
}

interface Charge {
  id: string
  object: 'charge'
  amount: number
  amount_refunded: number
  refunded: boolean
  payment_intent: string
  currency: string
  metadata: Record<string, string>
}

interface Stored {
  running: boolean
  params: string
  status: number
  body: unknown
}

/** Stripe's form encoding (`metadata[a]=b`, `expand[0]=x`) back into an object. */
function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.split(/[[\]]+/).filter(Boolean)
    let node = out as Record<string, unknown>
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value
      else {
        node[part] ??= {}
        node = node[part] as Record<string, unknown>
      }
    })
  }
  return out
}

export class FakeStripe {
  readonly intents = new Map<string, Intent>()
  readonly charges = new Map<string, Charge>()
  /** what was really created: replays do not count */
  readonly counts = { paymentIntents: 0, refunds: 0, requests: 0, dropped: 0, stalled: 0 }
  private readonly faults: Fault[] = []
  private readonly idempotency = new Map<string, Stored>()
  private readonly sockets = new Set<Socket>()
  private sequence = 0
  private server = createServer((req, res) => {
    this.handle(req, res).catch((error) => {
      res.statusCode = 500
      res.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }))
    })
  })
  port = 0
  /** milliseconds each POST takes, so that concurrent requests overlap as they would */
  latencyMs = 5

  static async start(): Promise<FakeStripe> {
    const fake = new FakeStripe()
    fake.server.on('connection', (socket) => {
      fake.sockets.add(socket)
      socket.on('close', () => fake.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve))
    fake.port = (fake.server.address() as AddressInfo).port
    return fake
  }

  /** The next `times` POSTs fail this way. */
  failNext(fault: Fault, times = 1) {
    for (let i = 0; i < times; i++) this.faults.push(fault)
  }

  clearFaults() {
    this.faults.length = 0
  }

  config() {
    return {
      PAYMENT_PROVIDER: 'stripe' as const,
      STRIPE_SECRET_KEY: FAKE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: 'whsec_fake_victoria_webhook_secret',
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: this.port,
      STRIPE_API_PROTOCOL: 'http' as const,
    }
  }

  /** The customer pays: the intent succeeds; returns the event Stripe would send. */
  capture(intentId: string) {
    const intent = this.intents.get(intentId)
    if (!intent) throw new Error(`no intent ${intentId}`)
    const charge: Charge = {
      id: `ch_fake_${++this.sequence}`,
      object: 'charge',
      amount: intent.amount,
      amount_refunded: 0,
      refunded: false,
      payment_intent: intent.id,
      currency: intent.currency,
      metadata: intent.metadata,
    }
    this.charges.set(charge.id, charge)
    Object.assign(intent, {
      status: 'succeeded',
      amount_received: intent.amount,
      latest_charge: charge.id,
    })
    return this.event('payment_intent.succeeded', { ...intent })
  }

  /** An event of this type about an object, shaped as Stripe sends it. */
  event(type: string, object: object) {
    return {
      id: `evt_fake_${++this.sequence}`,
      object: 'event',
      type,
      api_version: '2025-01-01',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object },
    }
  }

  /** Σ amount received less refunds, over every intent: what the account really holds. */
  capturedCents() {
    let sum = 0
    for (const intent of this.intents.values()) {
      const charge = intent.latest_charge ? this.charges.get(intent.latest_charge) : undefined
      sum += intent.amount_received - (charge?.amount_refunded ?? 0)
    }
    return sum
  }

  async close() {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    this.counts.requests++
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const url = new URL(req.url ?? '/', 'http://fake')
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': `req_${++this.sequence}`,
        ...headers,
      })
      res.end(JSON.stringify(body))
    }
    if (req.headers.authorization !== `Bearer ${FAKE_SECRET_KEY}`) {
      return send(401, { error: { type: 'invalid_request_error', message: 'bad key' } })
    }
    if (req.method === 'GET') return this.read(url, send)

    const fault = this.faults.shift()
    if (fault === '500') {
      return send(500, { error: { type: 'api_error', message: 'injected' } })
    }
    if (fault === 'stall') {
      this.counts.stalled++
      return // never answered; the client's timeout ends it
    }
    const params = parseForm(Buffer.concat(chunks).toString('utf8'))
    const key = String(req.headers['idempotency-key'] ?? '')
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${url.pathname} ${JSON.stringify(params)}`)
      .digest('hex')
    const stored = key ? this.idempotency.get(key) : undefined
    if (stored?.running) {
      return send(409, {
        error: {
          type: 'idempotency_error',
          code: 'idempotency_key_in_use',
          message: 'There is currently another in-progress request using this Idempotent Key',
        },
      })
    }
    if (stored && stored.params !== fingerprint) {
      return send(400, {
        error: {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were first used with',
        },
      })
    }
    let status: number
    let body: unknown
    if (stored) {
      ;({ status, body } = stored)
    } else {
      const entry: Stored = { running: true, params: fingerprint, status: 0, body: null }
      if (key) this.idempotency.set(key, entry)
      await new Promise((resolve) => setTimeout(resolve, this.latencyMs))
      ;[status, body] = this.write(url.pathname, params)
      Object.assign(entry, { running: false, status, body })
    }
    if (fault === 'commit-then-drop') {
      this.counts.dropped++
      req.socket.destroy()
      return
    }
    send(status, body, stored ? { 'idempotent-replayed': 'true' } : {})
  }

  private write(path: string, params: Record<string, unknown>): [number, unknown] {
    if (path === '/v1/payment_intents') {
      const id = `pi_fake_${++this.sequence}`
      const intent: Intent = {
        id,
        object: 'payment_intent',
        amount: Number(params.amount),
        currency: String(params.currency),
        status: 'requires_payment_method',
        amount_received: 0,
        client_secret: `${id}_secret_fake`,
        metadata: (params.metadata ?? {}) as Record<string, string>,
        latest_charge: null,
        created: Math.floor(Date.now() / 1000),
        livemode: false,
      }
      this.intents.set(id, intent)
      this.counts.paymentIntents++
      return [200, intent]
    }
    if (path === '/v1/refunds') {
      const intent = this.intents.get(String(params.payment_intent))
      const charge = intent?.latest_charge ? this.charges.get(intent.latest_charge) : undefined
      if (!intent || !charge || intent.status !== 'succeeded') {
        return [400, { error: { type: 'invalid_request_error', message: 'not refundable' } }]
      }
      if (charge.refunded) {
        return [400, { error: { type: 'invalid_request_error', code: 'charge_already_refunded' } }]
      }
      Object.assign(charge, { amount_refunded: charge.amount, refunded: true })
      this.counts.refunds++
      return [
        200,
        {
          id: `re_fake_${++this.sequence}`,
          object: 'refund',
          amount: charge.amount,
          payment_intent: intent.id,
          status: 'succeeded',
        },
      ]
    }
    return [404, { error: { type: 'invalid_request_error', message: `no route ${path}` } }]
  }

  private read(url: URL, send: (status: number, body: unknown) => void) {
    const expand = [...url.searchParams.entries()]
      .filter(([k]) => k.startsWith('expand'))
      .map(([, v]) => v)
    const shown = (intent: Intent) => {
      const wantsCharge = expand.includes('latest_charge') || expand.includes('data.latest_charge')
      return wantsCharge && intent.latest_charge
        ? { ...intent, latest_charge: this.charges.get(intent.latest_charge) }
        : intent
    }
    const one = /^\/v1\/payment_intents\/([^/]+)$/.exec(url.pathname)
    if (one) {
      const intent = this.intents.get(decodeURIComponent(one[1]!))
      if (!intent) {
        return send(404, { error: { type: 'invalid_request_error', code: 'resource_missing' } })
      }
      return send(200, shown(intent))
    }
    if (url.pathname === '/v1/payment_intents') {
      const data = [...this.intents.values()].reverse().map(shown)
      return send(200, { object: 'list', data, has_more: false, url: '/v1/payment_intents' })
    }
    send(404, { error: { type: 'invalid_request_error', message: 'no such route' } })
  }
}

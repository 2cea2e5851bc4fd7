import { createHmac } from 'node:crypto'
import { hostname } from 'node:os'
import {
  ALERT_RULES,
  type AlertInputs,
  type AlertRule,
  type AlertThresholds,
  DEFAULT_THRESHOLDS,
  type Severity,
} from './alert-rules.ts'

/**
 * Alert state per rule instance: inactive → firing (delivered once) → repeated every
 * `repeatMs` while it stays active → resolved (delivered once) → inactive. Deliveries go to the
 * log and, when configured, to a webhook as JSON signed with HMAC-SHA256.
 */

export interface AlertEvent {
  status: 'firing' | 'resolved'
  repeat: boolean
  alert: string
  key: string
  severity: Severity
  summary: string
  description: string
  value: number
  startsAt: string
  endsAt: string | null
  at: string
}

export interface ActiveAlert {
  alert: string
  key: string
  severity: Severity
  summary: string
  description: string
  value: number
  startsAt: string
  lastSentAt: string
  deliveries: number
}

interface Logger {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

export interface AlertManagerOptions {
  repeatMs: number
  webhookUrl?: string | undefined
  webhookSecret?: string | undefined
  thresholds?: Partial<AlertThresholds>
  rules?: AlertRule[]
  log: Logger
  onChange?: (alert: string, firing: boolean) => void
}

export const SIGNATURE_HEADER = 'x-victoria-signature'
export const TIMESTAMP_HEADER = 'x-victoria-timestamp'
const WEBHOOK_TIMEOUT_MS = 5_000
const HISTORY = 100

/** `sha256=<hex>` over `<timestamp>.<body>`: a receiver recomputes it and rejects old timestamps. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

export class AlertManager {
  private readonly active = new Map<string, ActiveAlert>()
  private readonly history: AlertEvent[] = []
  private readonly thresholds: AlertThresholds
  private readonly rules: AlertRule[]
  private readonly instance = hostname()
  private deliveries: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: AlertManagerOptions) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds }
    this.rules = options.rules ?? ALERT_RULES
  }

  evaluate(inputs: AlertInputs): AlertEvent[] {
    const now = inputs.now
    const events: AlertEvent[] = []
    const seen = new Set<string>()
    for (const rule of this.rules) {
      let instances: ReturnType<AlertRule['evaluate']> = []
      try {
        instances = rule.evaluate(inputs, this.thresholds)
      } catch (err) {
        this.options.log.warn({ err, alert: rule.name }, 'alert rule failed to evaluate')
        continue
      }
      for (const instance of instances) {
        const id = `${rule.name}\u0000${instance.key}`
        seen.add(id)
        const current = this.active.get(id)
        if (!current) {
          const alert: ActiveAlert = {
            alert: rule.name,
            key: instance.key,
            severity: rule.severity,
            summary: rule.summary,
            description: instance.description,
            value: instance.value,
            startsAt: new Date(now).toISOString(),
            lastSentAt: new Date(now).toISOString(),
            deliveries: 1,
          }
          this.active.set(id, alert)
          this.options.onChange?.(rule.name, true)
          events.push(this.event(alert, 'firing', false, now))
        } else {
          current.value = instance.value
          current.description = instance.description
          if (now - Date.parse(current.lastSentAt) >= this.options.repeatMs) {
            current.lastSentAt = new Date(now).toISOString()
            current.deliveries++
            events.push(this.event(current, 'firing', true, now))
          }
        }
      }
    }
    for (const [id, alert] of this.active) {
      if (seen.has(id)) continue
      this.active.delete(id)
      if (![...this.active.values()].some((a) => a.alert === alert.alert)) {
        this.options.onChange?.(alert.alert, false)
      }
      events.push(this.event(alert, 'resolved', false, now))
    }
    for (const event of events) this.deliver(event)
    return events
  }

  private event(a: ActiveAlert, status: AlertEvent['status'], repeat: boolean, now: number) {
    return {
      status,
      repeat,
      alert: a.alert,
      key: a.key,
      severity: a.severity,
      summary: a.summary,
      description: a.description,
      value: a.value,
      startsAt: a.startsAt,
      endsAt: status === 'resolved' ? new Date(now).toISOString() : null,
      at: new Date(now).toISOString(),
    }
  }

  private deliver(event: AlertEvent) {
    this.history.push(event)
    if (this.history.length > HISTORY) this.history.shift()
    const log = { alert: event.alert, key: event.key, severity: event.severity, value: event.value }
    if (event.status === 'firing') {
      this.options.log.warn(
        { ...log, repeat: event.repeat },
        `ALERT ${event.alert}: ${event.description}`,
      )
    } else {
      this.options.log.info(log, `resolved ${event.alert}: ${event.description}`)
    }
    const url = this.options.webhookUrl
    if (!url) return
    this.deliveries = this.deliveries.then(() => this.post(url, event))
  }

  private async post(url: string, event: AlertEvent) {
    const body = JSON.stringify({
      version: 1,
      service: 'victoria',
      instance: this.instance,
      ...event,
    })
    const timestamp = String(Math.floor(Date.now() / 1000))
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: timestamp,
    }
    if (this.options.webhookSecret) {
      headers[SIGNATURE_HEADER] = signPayload(this.options.webhookSecret, timestamp, body)
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      })
      await response.body?.cancel()
      if (!response.ok) {
        this.options.log.warn(
          { status: response.status, alert: event.alert },
          'alert webhook refused',
        )
      }
    } catch (err) {
      this.options.log.warn({ err, alert: event.alert }, 'alert webhook unreachable')
    }
  }

  /** Resolves when every delivery so far has been attempted (tests, shutdown). */
  settled(): Promise<unknown> {
    return this.deliveries
  }

  activeAlerts(): ActiveAlert[] {
    return [...this.active.values()]
  }

  recentEvents(): AlertEvent[] {
    return [...this.history].reverse()
  }
}

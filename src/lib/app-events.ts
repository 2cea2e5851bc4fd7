import { channel } from 'node:diagnostics_channel'

/**
 * Events one part of Victoria announces and another may observe, without importing each other:
 * the security layer publishes, observability (metrics, alerts) subscribes. diagnostics_channel
 * costs next to nothing while no one subscribes, so publishers never need to check.
 */

export interface RateLimitRejected {
  /** the tier whose limit was hit: global, auth, search, payment, reviews */
  tier: string
  /** what was counted: the user, the API key, the client address or the account */
  keyKind: 'user' | 'api-key' | 'ip' | 'account'
  /** route template, never the raw URL */
  route?: string
}

export interface SecurityEvent {
  /** stable kind: login_failed, account_locked, refresh_token_reused, rate_limit_burst, admin_action, api_key_used */
  type: string
  severity: 'info' | 'warning' | 'critical'
  userId?: number | null
  ip?: string | null
  detail?: Record<string, unknown>
}

export const appEvents = {
  rateLimitRejected: channel('victoria:rate-limit-rejected'),
  securityEvent: channel('victoria:security-event'),
} as const

export const publishRateLimitRejected = (event: RateLimitRejected) =>
  appEvents.rateLimitRejected.publish(event)
export const publishSecurityEvent = (event: SecurityEvent) => appEvents.securityEvent.publish(event)

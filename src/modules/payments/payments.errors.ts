import createError from '@fastify/error'

export const WebhookSignatureInvalid = createError(
  'WEBHOOK_SIGNATURE_INVALID',
  'The webhook signature does not match its body, or its timestamp is outside the %s-second tolerance',
  400,
)
export const WebhookPayloadInvalid = createError('WEBHOOK_PAYLOAD_INVALID', '%s', 400)
export const PaymentProviderUnavailable = createError(
  'PAYMENT_PROVIDER_UNAVAILABLE',
  'The payment provider did not answer in time; retry with the same Idempotency-Key',
  // 503, not 502: the error handler passes a coded 503 through (with Retry-After) and turns
  // other 5xx into a generic 500
  503,
)

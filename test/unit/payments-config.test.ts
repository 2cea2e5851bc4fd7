import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config.ts'
import {
  deriveLocalWebhookSecret,
  signWebhook,
  verifyWebhook,
} from '../../src/modules/payments/webhook-signature.ts'

test('payments default to the embedded local provider and 24-hour idempotency keys', () => {
  const config = loadConfig({})
  assert.equal(config.PAYMENT_PROVIDER, 'local')
  assert.equal(config.IDEMPOTENCY_KEY_TTL_HOURS, 24)
  assert.equal(config.STRIPE_SECRET_KEY, undefined)
})

test('the stripe provider needs its keys, and a bad key is never echoed', () => {
  const failure = (env: Record<string, string>) => {
    try {
      loadConfig(env)
    } catch (error) {
      assert.ok(error instanceof ConfigError)
      return error.problems.join('\n')
    }
    assert.fail('loadConfig accepted it')
  }
  const missing = failure({ PAYMENT_PROVIDER: 'stripe' })
  assert.match(missing, /STRIPE_SECRET_KEY: is required when PAYMENT_PROVIDER=stripe/)
  assert.match(missing, /STRIPE_WEBHOOK_SECRET: is required/)
  const secret = 'pk_live_this_is_a_publishable_key_not_a_secret_one'
  const bad = failure({
    PAYMENT_PROVIDER: 'stripe',
    STRIPE_SECRET_KEY: secret,
    STRIPE_WEBHOOK_SECRET: 'whsec_ok',
  })
  assert.match(bad, /STRIPE_SECRET_KEY: .*a secret of \d+ characters/)
  assert.doesNotMatch(bad, /pk_live/)
  assert.match(failure({ IDEMPOTENCY_KEY_TTL_HOURS: '1' }), /IDEMPOTENCY_KEY_TTL_HOURS/)
  const ok = loadConfig({
    PAYMENT_PROVIDER: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_abc',
    STRIPE_WEBHOOK_SECRET: 'whsec_abc',
    STRIPE_API_PORT: '12111',
  })
  assert.equal(ok.STRIPE_API_PORT, 12111)
})

test('the local webhook secret is derived per installation and signs Stripe-format headers', () => {
  const a = deriveLocalWebhookSecret('a'.repeat(40))
  assert.match(a, /^whsec_[A-Za-z0-9_-]{43}$/)
  assert.notEqual(a, deriveLocalWebhookSecret('b'.repeat(40)))
  const payload = JSON.stringify({ id: 'evt_1', type: 'x', created: 1, data: { object: {} } })
  const header = signWebhook(payload, a)
  assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/)
  assert.equal(verifyWebhook(Buffer.from(payload), header, a).id, 'evt_1')
  assert.throws(() =>
    verifyWebhook(Buffer.from(payload), header, deriveLocalWebhookSecret('c'.repeat(40))),
  )
})

import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { registerAdmin } from './principals.ts'

/**
 * Login failures are one class: an unknown email, a wrong password and a disabled account all do
 * the argon2 work (a dummy hash stands in for a missing one) and answer alike, so neither the
 * answer nor its time tells which emails exist. Not a benchmark: 5 ms is far below any argon2id
 * verification at m = 19 MiB, t = 2 and far above a lookup that skipped it.
 */

const { app, db } = await buildTestApp({ after })
const ARGON2_FLOOR_MS = 5

async function timedLogin(email: string, password: string) {
  const started = performance.now()
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password },
  })
  return { response, ms: performance.now() - started }
}

/** The answer without what differs per request by design. */
function shape(response: Awaited<ReturnType<typeof timedLogin>>['response']) {
  const { requestId: _, ...body } = response.json()
  const headers = Object.keys(response.headers)
    .filter((h) => !['x-request-id', 'date', 'content-length'].includes(h))
    .sort()
    .map(
      (h) =>
        `${h}: ${h === 'content-type' || h === 'www-authenticate' ? response.headers[h] : '…'}`,
    )
  return { status: response.statusCode, body, headers }
}

test('unknown email, wrong password and a disabled account: same answer, each after argon2', async () => {
  const reader = await registerUser(app)
  const disabled = await registerUser(app)
  const admin = await registerAdmin(app, db)
  await app.inject({
    method: 'PATCH',
    url: `/api/admin/users/${disabled.id}`,
    headers: admin.headers,
    payload: { disabled: true },
  })
  // warm: the dummy hash is computed once, at first use
  await timedLogin('warm-up@example.com', 'whatever it is')

  const attempts = {
    unknownEmail: await timedLogin(`nobody-${Date.now()}@example.com`, reader.password),
    wrongPassword: await timedLogin(reader.email, `${reader.password}!`),
    disabledAccount: await timedLogin(disabled.email, disabled.password),
  }
  const reference = shape(attempts.unknownEmail.response)
  for (const [name, { response, ms }] of Object.entries(attempts)) {
    assertProblem(response, 401, 'INVALID_CREDENTIALS')
    assert.deepEqual(shape(response), reference, `${name} answers like an unknown email`)
    assert.ok(ms >= ARGON2_FLOOR_MS, `${name} took ${ms.toFixed(1)} ms: no argon2 work done`)
  }
})

test('the right password still logs in (the failures above were not a broken login)', async () => {
  const reader = await registerUser(app)
  const { response } = await timedLogin(reader.email.toUpperCase(), reader.password)
  assert.equal(response.statusCode, 200, response.body)
})

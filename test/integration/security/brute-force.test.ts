import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { registerUser } from '../../helpers/users.ts'
import { buildLimitedApp } from './rate-limit-apps.ts'

/**
 * RELIABILITY.md row 9: 1,000 logins on one account behind a rotating X-Forwarded-For. The
 * app trusts one proxy (10.0.0.1). Through it, every attempt seems to come from a new address,
 * so only the per-account count can stop them; straight from a client, the forged header must
 * not be believed at all, so the per-address count stops them.
 */

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const close of closers) await close()
})

const PROXY = '10.0.0.1'
const AUTH_LIMIT = 5
const { app, db } = await buildLimitedApp((fn) => closers.push(fn), {
  TRUST_PROXY: `${PROXY}, 192.168.0.0/16`,
  // the burst window is left wide: this is about the long one
  RATE_LIMIT_AUTH: `${AUTH_LIMIT}/900,1000/1`,
})

const forged = (i: number) => `198.51.${Math.floor(i / 250)}.${i % 250}`

test('1,000 logins on one account through a trusted proxy: none accepted past the limit', async (t) => {
  // registered from another address, so the victim's address budget is untouched
  const victim = await registerUser({
    inject: (options) => app.inject({ ...options, remoteAddress: '192.168.7.7' }),
  })
  const outcomes: number[] = []
  for (let i = 0; i < 1000; i++) {
    // the right password on every tenth attempt and on the first: a guess that hits
    const password = i % 10 === 0 ? victim.password : `wrong guess ${i}`
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: PROXY,
      headers: { 'x-forwarded-for': forged(i) },
      payload: { email: victim.email.toUpperCase(), password },
    })
    outcomes.push(response.statusCode)
  }
  const firstRefusal = outcomes.indexOf(429)
  // registration counted against the account too (it carries the email)
  assert.equal(firstRefusal, AUTH_LIMIT - 1, `first 429 at attempt ${firstRefusal}`)
  assert.equal(outcomes[0], 200, 'the right password was accepted while under the limit')
  const acceptedPastLimit = outcomes.slice(firstRefusal).filter((s) => s !== 429).length
  assert.equal(acceptedPastLimit, 0)
  await app.securityEvents.flush()
  const lockouts = await db
    .selectFrom('security_events')
    .select(['ip', 'detail'])
    .where('type', '=', 'account_locked')
    .execute()
  assert.ok(lockouts.length >= 1, 'the lockout is in the audit log')
  t.diagnostic(
    `attempts: 1000; accepted before the limit: ${firstRefusal}; ` +
      `accepted past the limit: ${acceptedPastLimit}; lockout events: ${lockouts.length}`,
  )
})

test('a client forging X-Forwarded-For is counted by its own address', async (t) => {
  const attacker = '203.0.113.7'
  const outcomes: number[] = []
  for (let i = 0; i < 200; i++) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: attacker,
      // a different account each time, so only the address can be counted
      headers: { 'x-forwarded-for': `${forged(i)}, ${PROXY}` },
      payload: { email: `nobody-${i}@example.com`, password: 'wrong password guess' },
    })
    outcomes.push(response.statusCode)
  }
  const accepted = outcomes.filter((s) => s !== 429).length
  assert.equal(accepted, AUTH_LIMIT)
  await app.securityEvents.flush()
  const failed = await db
    .selectFrom('security_events')
    .select('ip')
    .where('type', '=', 'login_failed')
    .where('ip', 'like', '198.51.%')
    .execute()
  const believedFromAttacker = (
    await db
      .selectFrom('security_events')
      .select('ip')
      .where('type', '=', 'login_failed')
      .where((eb) => eb('ip', '<>', attacker).and('ip', 'not like', '198.51.%'))
      .execute()
  ).length
  // the 198.51 addresses come from the proxied test above, where they were meant to be believed
  assert.equal(believedFromAttacker, 0)
  const attackerRows = await db
    .selectFrom('security_events')
    .select('ip')
    .where('type', '=', 'login_failed')
    .where('ip', '=', attacker)
    .execute()
  assert.equal(attackerRows.length, AUTH_LIMIT, 'failed logins recorded under the real address')
  t.diagnostic(
    `forged attempts: 200; let through: ${accepted} (the limit); spoofed addresses believed: 0; ` +
      `proxied failures recorded under forwarded addresses: ${failed.length}`,
  )
})

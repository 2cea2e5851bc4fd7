import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { App } from '../../../src/app.ts'
import { sha256 } from '../../../src/lib/hash.ts'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { buildConfiguredApp } from './configured-app.ts'

/** Refresh-token rotation and reuse detection (RELIABILITY.md row 6). */

const { app, db } = await buildTestApp({ after })

const refresh = (target: App, refreshToken: string) =>
  target.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } })

async function login(target: App, email: string, password: string) {
  const response = await target.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password },
  })
  assert.equal(response.statusCode, 200, response.body)
  return response.json().session as { refreshToken: string; refreshExpiresAt: string }
}

const familyOf = async (refreshToken: string) =>
  (
    await db
      .selectFrom('refresh_tokens')
      .select('family_id')
      .where('token_hash', '=', sha256(refreshToken))
      .executeTakeFirstOrThrow()
  ).family_id

test('each refresh rotates: a new token, the old one spent', async () => {
  const reader = await registerUser(app)
  const first = await refresh(app, reader.refreshToken)
  assert.equal(first.statusCode, 200, first.body)
  const next = first.json().refreshToken
  assert.notEqual(next, reader.refreshToken)
  assert.equal(await familyOf(next), await familyOf(reader.refreshToken), 'same family')
  assert.equal((await refresh(app, next)).statusCode, 200)
})

test('a reused refresh token revokes its whole family, and only that family', async () => {
  const reader = await registerUser(app)
  const otherDevice = await login(app, reader.email, reader.password)
  const second = (await refresh(app, reader.refreshToken)).json().refreshToken
  const third = (await refresh(app, second)).json().refreshToken

  // the first token again: stolen, or replayed
  assertProblem(await refresh(app, reader.refreshToken), 401, 'INVALID_REFRESH_TOKEN')
  assertProblem(await refresh(app, third), 401, 'INVALID_REFRESH_TOKEN')
  const family = await db
    .selectFrom('refresh_tokens')
    .select(['revoked_at'])
    .where('family_id', '=', await familyOf(third))
    .execute()
  assert.equal(family.length, 3)
  assert.ok(
    family.every((row) => row.revoked_at !== null),
    'every token of the family revoked',
  )
  // the session on the other device is another family and lives on
  assert.equal((await refresh(app, otherDevice.refreshToken)).statusCode, 200)
})

test('concurrent refreshes with one token: at most one succeeds', async () => {
  for (let round = 0; round < 3; round++) {
    const reader = await registerUser(app)
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => refresh(app, reader.refreshToken)),
    )
    const succeeded = answers.filter((r) => r.statusCode === 200)
    assert.ok(succeeded.length <= 1, `${succeeded.length} of 5 refreshes succeeded`)
    for (const r of answers.filter((a) => a.statusCode !== 200)) {
      assertProblem(r, 401, 'INVALID_REFRESH_TOKEN')
    }
  }
})

test('a session ends at SESSION_MAX_AGE_SECONDS however often it is refreshed', async () => {
  // long enough for two refreshes on a loaded machine, short enough to wait out
  const maxAgeSeconds = 6
  const short = await buildConfiguredApp(after, {
    SESSION_MAX_AGE_SECONDS: maxAgeSeconds,
    REFRESH_TOKEN_TTL_SECONDS: 300,
  })
  // the app's startup (plugins, Redis connections) must not eat into the session's time
  await short.app.ready()
  const reader = await registerUser(short.app)
  // the session began during registration (argon2 may take a second or more under load), so by
  // now at the latest
  const limit = Date.now() + maxAgeSeconds * 1000 + 1000
  const first = await refresh(short.app, reader.refreshToken)
  assert.equal(first.statusCode, 200, first.body)
  const rotated = first.json()
  assert.ok(Date.parse(rotated.refreshExpiresAt) <= limit, 'rotation never extends the session')
  const again = await refresh(short.app, rotated.refreshToken)
  assert.equal(again.statusCode, 200, again.body)
  assert.equal(again.json().refreshExpiresAt, rotated.refreshExpiresAt)

  await sleep(Math.max(0, Date.parse(again.json().refreshExpiresAt) - Date.now()) + 50)
  assertProblem(await refresh(short.app, again.json().refreshToken), 401, 'INVALID_REFRESH_TOKEN')
})

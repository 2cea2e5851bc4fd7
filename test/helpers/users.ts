import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'

/** What registerUser needs of an app: Fastify's inject. */
interface Injector {
  inject(options: {
    method: 'POST'
    url: string
    payload: object
  }): PromiseLike<{ statusCode: number; body: string; json(): unknown }>
}

export interface RegisterOverrides {
  email?: string
  password?: string
  displayName?: string
}

export interface TestUser {
  id: number
  email: string
  password: string
  displayName: string
  accessToken: string
  refreshToken: string
  /** ready to spread into `app.inject({ headers })` */
  headers: { authorization: string }
}

let counter = 0

/**
 * Registers a reader through POST /api/auth/register, as a client would, and returns their id
 * and a logged-in session. Emails are unique per process and run, so tests in one file (or
 * files sharing a database) never collide.
 */
export async function registerUser(
  app: Injector,
  overrides: RegisterOverrides = {},
): Promise<TestUser> {
  counter++
  const tag = `${process.pid}-${counter}-${randomBytes(3).toString('hex')}`
  const payload = {
    email: overrides.email ?? `reader-${tag}@example.com`,
    password: overrides.password ?? `a long passphrase ${tag}`,
    displayName: overrides.displayName ?? `Reader ${counter}`,
  }
  const response = await app.inject({ method: 'POST', url: '/api/auth/register', payload })
  assert.equal(response.statusCode, 201, response.body)
  const body = response.json() as {
    user: { id: number }
    session: { accessToken: string; refreshToken: string }
  }
  return {
    id: body.user.id,
    ...payload,
    accessToken: body.session.accessToken,
    refreshToken: body.session.refreshToken,
    headers: { authorization: `Bearer ${body.session.accessToken}` },
  }
}

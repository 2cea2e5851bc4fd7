import assert from 'node:assert/strict'
import type { ProblemBody } from '../../src/lib/problem.ts'

interface InjectedResponse {
  statusCode: number
  headers: Record<string, unknown>
  body: string
  json(): unknown
}

/**
 * Asserts an RFC 9457 problem+json answer with the given status and stable code, and that it
 * leaks nothing (no stack trace, no SQL); returns the body for further checks.
 */
export function assertProblem(
  response: InjectedResponse,
  status: number,
  code: string,
): ProblemBody {
  assert.equal(response.statusCode, status, response.body)
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
  const body = response.json() as ProblemBody
  assert.equal(body.status, status)
  assert.equal(body.code, code, response.body)
  assert.equal(typeof body.title, 'string')
  assert.equal(typeof body.type, 'string')
  assert.ok(body.detail.length > 0)
  assert.equal(typeof body.requestId, 'string')
  assert.equal(body.requestId, response.headers['x-request-id'])
  assert.doesNotMatch(response.body, /\bat .+\.(ts|js):\d+|stack|SELECT |node_modules/i)
  return body
}

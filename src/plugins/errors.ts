import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { PROBLEM_CONTENT_TYPE, Problem, type ProblemBody, problem } from '../lib/problem.ts'

/**
 * One place turns every failure into RFC 9457 problem+json: schema validation, Fastify's own
 * errors (bad JSON, body too large), coded domain errors, database outages, and bugs. Client
 * mistakes keep their 4xx status and a stable code; anything else is a generic 5xx whose detail
 * goes to the log under the request id, never to the client.
 */

// Fastify's codes are implementation names; clients get stable Victoria ones instead.
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'EMPTY_JSON_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_BAD_URL: 'BAD_URL',
  FST_ERR_ASYNC_CONSTRAINT: 'BAD_REQUEST',
}

// SQLSTATEs and socket errors that mean "the database is not answering", not "a bug":
// 57014 statement_timeout, 57P01-03 server shutting down or restarting, 08xxx connection
// failures, 53300 too many connections, and 40001/40P01 (serialization failure, deadlock):
// the transaction was rolled back whole, so the client may simply retry.
const UNAVAILABLE_SQLSTATES = /^(57014|57P0[123]|08...|53300|40001|40P01)$/
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|ECONNREFUSED|ECONNRESET/

// Text PostgreSQL cannot store: a NUL character (22P05) or one outside the encoding (22021).
// Only a client sends such text, so it is the client's mistake, whichever field carried it.
const UNSTORABLE_TEXT_SQLSTATES = /^(22P05|22021)$/

const CONTEXT_NAMES: Record<string, string> = {
  querystring: 'query',
  params: 'params',
  body: 'body',
  headers: 'headers',
}

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

function validationProblem(error: FastifyError): ProblemBody {
  const where = CONTEXT_NAMES[error.validationContext ?? 'body'] ?? 'body'
  const errors = ((error.validation ?? []) as AjvError[]).map((e) => {
    const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.')
    if (e.keyword === 'additionalProperties') {
      const name = String(e.params.additionalProperty)
      return {
        in: where,
        field: path ? `${path}.${name}` : name,
        message: 'is not a known parameter',
      }
    }
    if (e.keyword === 'required') {
      const name = String(e.params.missingProperty)
      return { in: where, field: path ? `${path}.${name}` : name, message: 'is required' }
    }
    return { in: where, field: path || '(root)', message: e.message ?? 'is invalid' }
  })
  const fields = [...new Set(errors.map((e) => e.field))].join(', ')
  return {
    ...problem(400, 'VALIDATION_FAILED', `Invalid ${where}: ${fields}`),
    errors,
  }
}

function isDatabaseUnavailable(error: { code?: unknown; message?: unknown }): boolean {
  return (
    (typeof error.code === 'string' && UNAVAILABLE_SQLSTATES.test(error.code)) ||
    (typeof error.message === 'string' && UNAVAILABLE_MESSAGES.test(error.message))
  )
}

export function toProblem(error: FastifyError, request: FastifyRequest): ProblemBody {
  if (error.validation) return validationProblem(error)
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const code =
      FASTIFY_CODES[error.code] ?? (error.code?.startsWith('FST_') ? 'BAD_REQUEST' : error.code)
    return problem(status, code ?? 'BAD_REQUEST', error.message)
  }
  if (typeof error.code === 'string' && UNSTORABLE_TEXT_SQLSTATES.test(error.code)) {
    return problem(
      400,
      'UNSTORABLE_TEXT',
      'The request holds text that cannot be stored (a NUL or an invalid character)',
    )
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable')
    return problem(
      503,
      'DATABASE_UNAVAILABLE',
      'The database is unavailable or too slow right now; retry shortly',
    )
  }
  if (status === 503 && error.code) return problem(503, error.code, error.message)
  request.log.error({ err: error }, 'unhandled error')
  return problem(
    500,
    'INTERNAL_ERROR',
    'Something went wrong on our side; the request id helps us find it',
  )
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, body: ProblemBody) {
  const full: ProblemBody = { ...body, instance: request.url.split('?')[0], requestId: request.id }
  // a limiter or load shedding may have said exactly when to come back
  if ((body.status === 503 || body.status === 429) && !reply.hasHeader('retry-after')) {
    reply.header('retry-after', '5')
  }
  // RFC 9110 §11.6.1: a 401 names the scheme that would have worked
  if (body.status === 401) reply.header('www-authenticate', 'Bearer realm="victoria"')
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(full)
}

export default fp(
  async (app) => {
    app.addSchema(Problem)
    app.setErrorHandler((error: FastifyError, request, reply) =>
      sendProblem(reply, request, toProblem(error, request)),
    )
    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        reply,
        request,
        problem(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`),
      ),
    )
  },
  { name: 'errors' },
)

import { STATUS_CODES } from 'node:http'
import { Type } from 'typebox'

/**
 * RFC 9457 problem details. Every error Victoria sends has this shape and a stable `code` that
 * clients can switch on; `detail` is for humans and may change wording.
 */
export const FieldError = Type.Object({
  in: Type.Enum(['body', 'query', 'params', 'headers']),
  field: Type.String({ description: 'JSON pointer-ish path of the bad field, e.g. "limit"' }),
  message: Type.String(),
})

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'stable machine-readable error code, e.g. BOOK_NOT_FOUND' }),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldError)),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
)

export interface ProblemBody {
  type: string
  title: string
  status: number
  code: string
  detail: string
  instance?: string
  requestId?: string
  errors?: { in: string; field: string; message: string }[]
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

export function problem(status: number, code: string, detail: string): ProblemBody {
  // "about:blank" tells clients the title is just the HTTP status phrase (RFC 9457 §4.2.1)
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, code, detail }
}

/** Problem responses a route can produce, to spread into its `response` schema. */
export function problemResponses(...statuses: number[]) {
  const ref = Type.Ref('Problem')
  return Object.fromEntries([...new Set([400, 500, ...statuses])].map((s) => [s, ref]))
}

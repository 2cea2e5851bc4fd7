import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { cacheTags } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import type { UserPrincipal } from '../../plugins/auth.ts'
import {
  AuthResult,
  DeleteMeBody,
  LoginBody,
  RefreshBody,
  RegisterBody,
  Session,
  UpdateMeBody,
  User,
} from './accounts.schemas.ts'
import { AccountsService } from './accounts.service.ts'
import { SessionsService } from './sessions.service.ts'

export interface AccountsRoutesOptions {
  refreshTtlSeconds: number
  sessionMaxAgeSeconds: number
}

const userAgent = (headers: Record<string, unknown>) =>
  typeof headers['user-agent'] === 'string' ? headers['user-agent'] : null

/** /api/auth (public) and /api/me (a logged-in user), each in its own encapsulated context. */
const accountsRoutes: FastifyPluginAsyncTypebox<AccountsRoutesOptions> = async (app, options) => {
  const sessions = new SessionsService(app.database.db, app.accessTokens, {
    refreshTtlSeconds: options.refreshTtlSeconds,
    maxAgeSeconds: options.sessionMaxAgeSeconds,
  })
  const accounts = new AccountsService(app.database.db, sessions)

  await app.register(async (context) => {
    const auth = context.withTypeProvider<TypeBoxTypeProvider>()
    auth.post(
      '/api/auth/register',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Create an account and start a session',
          body: RegisterBody,
          response: { 201: AuthResult, ...problemResponses(409) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await accounts.register(request.body, userAgent(request.headers))),
    )

    auth.post(
      '/api/auth/login',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Exchange email and password for a session',
          body: LoginBody,
          response: { 200: AuthResult, ...problemResponses(401) },
        },
      },
      async (request) =>
        accounts.login(request.body.email, request.body.password, userAgent(request.headers)),
    )

    auth.post(
      '/api/auth/refresh',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Rotate a refresh token: a new access token and the next refresh token',
          body: RefreshBody,
          response: { 200: Session, ...problemResponses(401) },
        },
      },
      async (request) => sessions.refresh(request.body.refreshToken, userAgent(request.headers)),
    )

    auth.post(
      '/api/auth/logout',
      {
        schema: {
          tags: ['accounts'],
          summary: 'End the session a refresh token belongs to',
          body: RefreshBody,
          response: { 204: Type.Null(), ...problemResponses() },
        },
      },
      async (request, reply) => {
        await sessions.end(request.body.refreshToken)
        return reply.code(204).send(null)
      },
    )
  })

  await app.register(async (context) => {
    const me = context.withTypeProvider<TypeBoxTypeProvider>()
    me.addHook('onRequest', me.requireUser)
    const userId = (principal: unknown) => (principal as UserPrincipal).userId

    me.post(
      '/api/auth/logout-all',
      {
        schema: {
          tags: ['accounts'],
          summary: 'End every session of this account, on every device',
          response: { 204: Type.Null(), ...problemResponses(401) },
        },
      },
      async (request, reply) => {
        await sessions.endAll(userId(request.principal))
        return reply.code(204).send(null)
      },
    )

    me.get(
      '/api/me',
      {
        schema: {
          tags: ['accounts'],
          summary: 'The account of the caller',
          response: { 200: User, ...problemResponses(401) },
        },
      },
      async (request) => accounts.getMe(userId(request.principal)),
    )

    me.patch(
      '/api/me',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Change display name, email or password (the last two need currentPassword)',
          body: UpdateMeBody,
          response: {
            200: Type.Object({
              user: User,
              session: Type.Union([Session, Type.Null()], {
                description: 'a new session when the password changed (all others ended)',
              }),
            }),
            ...problemResponses(401, 409),
          },
        },
      },
      async (request) =>
        accounts.updateMe(userId(request.principal), request.body, userAgent(request.headers)),
    )

    me.delete(
      '/api/me',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Delete the account and its personal data (needs the password)',
          body: DeleteMeBody,
          response: { 204: Type.Null(), ...problemResponses(401) },
        },
      },
      async (request, reply) => {
        await accounts.deleteMe(userId(request.principal), request.body.password)
        await app.cache.invalidate([cacheTags.user(userId(request.principal))])
        return reply.code(204).send(null)
      },
    )
  })
}

export default accountsRoutes

import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { AccessTokens } from '../modules/accounts/access-tokens.ts'
import {
  AuthRequired,
  Forbidden,
  InvalidApiKey,
  SessionRevoked,
} from '../modules/accounts/accounts.errors.ts'
import {
  type ApiKeyPrincipal,
  type ApiKeyScope,
  ApiKeysService,
} from '../modules/accounts/api-keys.service.ts'
import { UsersRepository } from '../modules/accounts/users.repository.ts'

export interface UserPrincipal {
  kind: 'user'
  userId: number
  role: 'user' | 'admin'
}

export type Principal = UserPrincipal | ({ kind: 'apiKey' } & ApiKeyPrincipal)

declare module 'fastify' {
  interface FastifyRequest {
    /** who is calling; set by requireUser / requireScope, null on public routes */
    principal: Principal | null
  }
  interface FastifyInstance {
    accessTokens: AccessTokens
    apiKeys: ApiKeysService
    /** onRequest hook: a logged-in user (bearer access token) */
    requireUser: onRequestHookHandler
    /** onRequest hook: an admin user, or an API key holding `scope` (or `admin`) */
    requireScope(scope: ApiKeyScope): onRequestHookHandler
  }
}

export interface AuthOptions {
  secret: string
  issuer: string
  audience: string
  accessTokenTtlSeconds: number
}

// Keys must never travel in URLs (they end up in logs, proxies and browser history).

/**
 * Authentication as hooks that route contexts opt into: a context registers `requireUser` or
 * `requireScope(...)` as its onRequest hook, so scope is decided by where a route is
 * registered, not by checks inside handlers. Every authenticated request re-reads the user's
 * session version and disabled flag (a primary-key lookup), so logout-all and disabling take
 * effect immediately rather than when access tokens expire.
 */
export default fp<AuthOptions>(
  async (app, options) => {
    const tokens = new AccessTokens({
      secret: options.secret,
      issuer: options.issuer,
      audience: options.audience,
      ttlSeconds: options.accessTokenTtlSeconds,
    })
    const apiKeys = new ApiKeysService(app.database.db)
    const users = new UsersRepository(app.database.db)
    app.decorate('accessTokens', tokens)
    app.decorate('apiKeys', apiKeys)
    app.decorateRequest('principal', null)

    /** The caller, from here on, on the request and on every later line of its log. */
    function authenticated(request: FastifyRequest, reply: FastifyReply, principal: Principal) {
      request.principal = principal
      request.log = request.log.child(
        principal.kind === 'user' ? { userId: principal.userId } : { apiKeyId: principal.keyId },
      )
      // the reply's logger writes the "request completed" line
      reply.log = request.log
    }

    async function authenticateUser(request: FastifyRequest): Promise<UserPrincipal> {
      const header = request.headers.authorization
      if (!header) throw new AuthRequired()
      const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header)
      if (!match) throw new AuthRequired()
      const claims = await tokens.verify(match[1]!)
      const state = await users.findSessionState(claims.userId)
      if (!state || state.disabled_at || state.session_version !== claims.sessionVersion) {
        throw new SessionRevoked()
      }
      return { kind: 'user', userId: claims.userId, role: state.role }
    }

    app.decorate(
      'requireUser',
      async function requireUser(request: FastifyRequest, reply: FastifyReply) {
        authenticated(request, reply, await authenticateUser(request))
      },
    )

    app.decorate('requireScope', (scope: ApiKeyScope) => {
      return async function requireScope(request: FastifyRequest, reply: FastifyReply) {
        const key = request.headers['x-api-key']
        if (typeof key === 'string') {
          const principal = await apiKeys.verify(key)
          if (!principal) throw new InvalidApiKey()
          if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
            throw new Forbidden(`This API key lacks the "${scope}" scope`)
          }
          authenticated(request, reply, { kind: 'apiKey', ...principal })
          return
        }
        const user = await authenticateUser(request)
        if (user.role !== 'admin') throw new Forbidden('This route is for administrators')
        authenticated(request, reply, user)
      }
    })
  },
  { name: 'auth', dependencies: ['database'] },
)

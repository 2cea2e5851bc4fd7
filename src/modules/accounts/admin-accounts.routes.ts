import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../lib/problem.ts'
import type { Principal } from '../../plugins/auth.ts'
import { IdParams } from '../catalog/catalog.schemas.ts'
import { ApiKey, CreateApiKeyBody, UpdateUserBody, User } from './accounts.schemas.ts'
import { AdminAccountsService } from './admin-accounts.service.ts'

/** Admin-only: API keys and user status. Registered in the admin context (requireScope('admin')). */
const adminAccountsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireScope('admin'))
  const admin = new AdminAccountsService(app.database.db)
  const createdBy = (principal: Principal | null) =>
    principal?.kind === 'user' ? principal.userId : null

  app.post(
    '/api/admin/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API key; the key itself is in this answer only',
        body: CreateApiKeyBody,
        response: {
          201: Type.Object({ ...ApiKey.properties, key: Type.String() }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await app.apiKeys.create(request.body, createdBy(request.principal))),
  )

  app.get(
    '/api/admin/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'All API keys (never the keys themselves)',
        response: {
          200: Type.Object({ items: Type.Array(ApiKey) }),
          ...problemResponses(401, 403),
        },
      },
    },
    async () => ({ items: await app.apiKeys.list() }),
  )

  app.delete(
    '/api/admin/api-keys/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key (idempotent)',
        params: IdParams,
        response: { 200: ApiKey, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => app.apiKeys.revoke(request.params.id),
  )

  app.patch(
    '/api/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Disable or enable a user (ending every session), or change their role',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => admin.updateUser(request.params.id, request.body),
  )
}

export default adminAccountsRoutes

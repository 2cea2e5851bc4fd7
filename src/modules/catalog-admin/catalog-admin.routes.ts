import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../lib/problem.ts'
import { BookDetail, IdParams } from '../catalog/catalog.schemas.ts'
import { BooksAdminService } from './books-admin.service.ts'
import type { Invalidate } from './cache-tags.ts'
import { CreateBookBody, UpdateBookBody } from './catalog-admin.schemas.ts'
import taxonomyAdminRoutes from './taxonomy-admin.routes.ts'

/**
 * Catalog writes under /api/admin: an admin user, or an API key with the `catalog:write` (or
 * `admin`) scope. The scope is this context's onRequest hook, so no route here can forget it.
 */
const catalogAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireScope('catalog:write'))
  // A failed invalidation must not fail a committed write: it is logged, and the database
  // triggers of the cache drop the same entries a moment later.
  const invalidate: Invalidate = async (tags) => {
    try {
      await app.cache.invalidate(tags)
    } catch (err) {
      app.log.warn({ err, tags }, 'cache invalidation after an admin write failed')
    }
  }
  const books = new BooksAdminService(app.database.db, invalidate)

  app.post(
    '/api/admin/books',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a book with its authors, series and genres',
        body: CreateBookBody,
        response: { 201: BookDetail, ...problemResponses(401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const book = await books.create(request.body)
      return reply.code(201).header('location', `/api/books/${book.id}`).send(book)
    },
  )

  app.patch(
    '/api/admin/books/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a book; a list given (authorIds, series, genreIds) replaces the old one',
        params: IdParams,
        body: UpdateBookBody,
        response: { 200: BookDetail, ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) => books.update(request.params.id, request.body),
  )

  app.delete(
    '/api/admin/books/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete a book and its links to authors, series and genres',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await books.delete(request.params.id)
      return reply.code(204).send(null)
    },
  )

  await app.register(taxonomyAdminRoutes, { invalidate })
}

export default catalogAdminRoutes

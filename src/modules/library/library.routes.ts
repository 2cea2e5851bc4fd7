import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { cacheTags, canonicalQuery } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import type { UserPrincipal } from '../../plugins/auth.ts'
import { Page } from '../catalog/catalog.schemas.ts'
import { BookIdParams, LibraryEntry, LibraryQuery, PutLibraryEntryBody } from './library.schemas.ts'
import { LibraryService } from './library.service.ts'

/** The caller's own library; registered in a context whose onRequest hook is requireUser. */
const libraryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser)
  const library = new LibraryService(app.database.db)
  const userId = (principal: unknown) => (principal as UserPrincipal).userId

  app.get(
    '/api/me/library',
    {
      schema: {
        tags: ['library'],
        summary: 'Your library: shelved and bought books, filtered and sorted',
        querystring: LibraryQuery,
        response: { 200: Page(LibraryEntry), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const reader = userId(request.principal)
      // personal: keyed and tagged by the reader; the books shown tag it too (a title edit)
      return app.sendCached(reply, {
        category: 'user',
        key: `library:${reader}:${canonicalQuery(request.query)}`,
        tags: [cacheTags.user(reader)],
        visibility: 'private',
        load: () => library.list(reader, request.query),
        tagsOf: (page) => page.items.map((entry) => cacheTags.book(entry.book.id)),
      })
    },
  )

  app.get(
    '/api/me/library/:bookId',
    {
      schema: {
        tags: ['library'],
        summary: 'One book of your library',
        params: BookIdParams,
        response: { 200: LibraryEntry, ...problemResponses(401, 404) },
      },
    },
    async (request) => library.get(userId(request.principal), request.params.bookId),
  )

  app.put(
    '/api/me/library/:bookId',
    {
      schema: {
        tags: ['library'],
        summary:
          'Shelve a book or change its entry (201 when new). Fields left out keep their stored ' +
          'value; null clears a date',
        params: BookIdParams,
        body: PutLibraryEntryBody,
        response: { 200: LibraryEntry, 201: LibraryEntry, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const { created, entry } = await library.put(
        userId(request.principal),
        request.params.bookId,
        request.body,
      )
      await app.cache.invalidate([cacheTags.user(userId(request.principal))])
      return reply.code(created ? 201 : 200).send(entry)
    },
  )

  app.delete(
    '/api/me/library/:bookId',
    {
      schema: {
        tags: ['library'],
        summary:
          'Take a book out of your library (a bought book stays, with its reading state cleared)',
        params: BookIdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await library.remove(userId(request.principal), request.params.bookId)
      await app.cache.invalidate([cacheTags.user(userId(request.principal))])
      return reply.code(204).send(null)
    },
  )
}

export default libraryRoutes

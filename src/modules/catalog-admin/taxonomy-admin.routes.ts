import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../lib/problem.ts'
import { AuthorDetail, Genre, IdParams, SeriesDetail } from '../catalog/catalog.schemas.ts'
import type { Invalidate } from './cache-tags.ts'
import {
  CreateGenreBody,
  CreateNamedBody,
  UpdateGenreBody,
  UpdateNamedBody,
} from './catalog-admin.schemas.ts'
import { TaxonomyAdminService } from './taxonomy-admin.service.ts'

/** Authors, series and genres; registered inside the catalog-admin context (its scope hook). */
const taxonomyAdminRoutes: FastifyPluginAsyncTypebox<{ invalidate: Invalidate }> = async (
  app,
  { invalidate },
) => {
  const taxonomy = new TaxonomyAdminService(app.database.db, invalidate)
  // every write here can be refused for auth (401, 403) or a taken slug or name (409)
  const problems = (...statuses: number[]) => problemResponses(401, 403, 409, ...statuses)

  app.post(
    '/api/admin/authors',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an author (slug derived from the name unless given)',
        body: CreateNamedBody,
        response: { 201: AuthorDetail, ...problems() },
      },
    },
    async (request, reply) => {
      const author = await taxonomy.createAuthor(request.body)
      return reply.code(201).header('location', `/api/authors/${author.id}`).send(author)
    },
  )

  app.patch(
    '/api/admin/authors/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename an author or change their slug',
        params: IdParams,
        body: UpdateNamedBody,
        response: { 200: AuthorDetail, ...problems(404) },
      },
    },
    async (request) => taxonomy.updateAuthor(request.params.id, request.body),
  )

  app.delete(
    '/api/admin/authors/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete an author who is credited on no book (409 AUTHOR_HAS_BOOKS otherwise)',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(404) },
      },
    },
    async (request, reply) => {
      await taxonomy.deleteAuthor(request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/admin/series',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a series (slug derived from the name unless given)',
        body: CreateNamedBody,
        response: { 201: SeriesDetail, ...problems() },
      },
    },
    async (request, reply) => {
      const series = await taxonomy.createSeries(request.body)
      return reply.code(201).header('location', `/api/series/${series.id}`).send(series)
    },
  )

  app.patch(
    '/api/admin/series/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename a series or change its slug',
        params: IdParams,
        body: UpdateNamedBody,
        response: { 200: SeriesDetail, ...problems(404) },
      },
    },
    async (request) => taxonomy.updateSeries(request.params.id, request.body),
  )

  app.delete(
    '/api/admin/series/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete a series that has no books (409 SERIES_HAS_BOOKS otherwise)',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(404) },
      },
    },
    async (request, reply) => {
      await taxonomy.deleteSeries(request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/admin/genres',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a genre (slug derived from the name unless given)',
        body: CreateGenreBody,
        response: { 201: Genre, ...problems() },
      },
    },
    async (request, reply) => reply.code(201).send(await taxonomy.createGenre(request.body)),
  )

  app.patch(
    '/api/admin/genres/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a genre’s name, slug or description',
        params: IdParams,
        body: UpdateGenreBody,
        response: { 200: Genre, ...problems(404) },
      },
    },
    async (request) => taxonomy.updateGenre(request.params.id, request.body),
  )

  app.delete(
    '/api/admin/genres/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete a genre; books carrying it simply lose it',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(404) },
      },
    },
    async (request, reply) => {
      await taxonomy.deleteGenre(request.params.id)
      return reply.code(204).send(null)
    },
  )
}

export default taxonomyAdminRoutes

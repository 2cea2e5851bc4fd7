import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../../lib/problem.ts'
import {
  AuthorDetail,
  AuthorListQuery,
  AuthorSummary,
  BookDetail,
  BookListQuery,
  BookPage,
  Genre,
  IdParams,
  IsbnParams,
  Page,
  SeriesDetail,
} from './catalog.schemas.ts'
import { CatalogService } from './catalog.service.ts'

/** Public, read-only catalog routes (admin writes arrive with accounts). Thin: schema → service. */
const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const catalog = new CatalogService(app.database.db)

  app.get(
    '/api/books',
    {
      schema: {
        tags: ['books'],
        summary: 'List books with filters, sorting and cursor pagination',
        querystring: BookListQuery,
        response: { 200: BookPage, ...problemResponses() },
      },
    },
    async (request) => catalog.listBooks(request.query),
  )

  app.get(
    '/api/books/:id',
    {
      schema: {
        tags: ['books'],
        summary: 'A book with its authors, series, genres and rating summary',
        params: IdParams,
        response: { 200: BookDetail, ...problemResponses(404) },
      },
    },
    async (request) => catalog.getBook(request.params.id),
  )

  app.get(
    '/api/books/isbn/:isbn',
    {
      schema: {
        tags: ['books'],
        summary:
          'Look a book up by ISBN-10 or ISBN-13 (hyphens, spaces and an X check digit allowed)',
        params: IsbnParams,
        response: { 200: BookDetail, ...problemResponses(404) },
      },
    },
    async (request) => catalog.getBookByIsbn(request.params.isbn),
  )

  app.get(
    '/api/authors',
    {
      schema: {
        tags: ['authors'],
        summary: 'List authors by name, optionally by name prefix',
        querystring: AuthorListQuery,
        response: { 200: Page(AuthorSummary), ...problemResponses() },
      },
    },
    async (request) => catalog.listAuthors(request.query),
  )

  app.get(
    '/api/authors/:id',
    {
      schema: {
        tags: ['authors'],
        summary: 'An author with their most popular books',
        params: IdParams,
        response: { 200: AuthorDetail, ...problemResponses(404) },
      },
    },
    async (request) => catalog.getAuthor(request.params.id),
  )

  app.get(
    '/api/genres',
    {
      schema: {
        tags: ['genres'],
        summary: 'All genres with their book counts',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Genre) }), ...problemResponses() },
      },
    },
    async () => ({ items: await catalog.listGenres() }),
  )

  app.get(
    '/api/series/:id',
    {
      schema: {
        tags: ['series'],
        summary: 'A series with its books in reading order',
        params: IdParams,
        response: { 200: SeriesDetail, ...problemResponses(404) },
      },
    },
    async (request) => catalog.getSeries(request.params.id),
  )
}

export default catalogRoutes

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { cacheTags, canonicalQuery, tagsForBooks } from '../../cache/tags.ts'
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

/**
 * Public, read-only catalog routes, answered through the response cache: each declares what it
 * depends on (tags), so that a change to any row it shows drops it. Thin: schema → service.
 */
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
    (request, reply) =>
      app.sendCached(reply, {
        category: 'books',
        key: `list:${canonicalQuery(request.query)}`,
        tags: [cacheTags.bookLists],
        visibility: 'public',
        load: () => catalog.listBooks(request.query),
      }),
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
    (request, reply) =>
      app.sendCached(reply, {
        category: 'books',
        key: `book:${request.params.id}`,
        tags: [cacheTags.book(request.params.id)],
        visibility: 'public',
        load: () => catalog.getBook(request.params.id),
        tagsOf: (book) => tagsForBooks([book]),
      }),
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
    (request, reply) =>
      app.sendCached(reply, {
        category: 'books',
        key: `isbn:${request.params.isbn.replace(/[\s-]/g, '').toUpperCase()}`,
        tags: [],
        visibility: 'public',
        load: () => catalog.getBookByIsbn(request.params.isbn),
        tagsOf: (book) => tagsForBooks([book]),
      }),
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
    (request, reply) =>
      app.sendCached(reply, {
        category: 'books',
        key: `authors:${canonicalQuery(request.query)}`,
        tags: [cacheTags.authorLists],
        visibility: 'public',
        load: () => catalog.listAuthors(request.query),
      }),
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
    (request, reply) =>
      app.sendCached(reply, {
        category: 'books',
        key: `author:${request.params.id}`,
        tags: [cacheTags.author(request.params.id)],
        visibility: 'public',
        load: () => catalog.getAuthor(request.params.id),
        tagsOf: (author) => tagsForBooks(author.books),
      }),
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
    async (_request, reply) =>
      app.sendCached(reply, {
        category: 'books',
        key: 'genres',
        tags: [cacheTags.genreList],
        visibility: 'public',
        load: async () => ({ items: await catalog.listGenres() }),
      }),
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
    (request, reply) =>
      app.sendCached(reply, {
        category: 'books',
        key: `series:${request.params.id}`,
        tags: [cacheTags.series(request.params.id)],
        visibility: 'public',
        load: () => catalog.getSeries(request.params.id),
        tagsOf: (series) => tagsForBooks(series.books.map((entry) => entry.book)),
      }),
  )
}

export default catalogRoutes

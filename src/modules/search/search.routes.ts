import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { cacheTags, canonicalQuery } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import { SearchQuery, SearchResponse, SuggestQuery, SuggestResponse } from './search.schemas.ts'
import { SearchService } from './search.service.ts'

/**
 * Public search routes, answered through the response cache (category `search`). Results depend
 * on every book, so they carry the search list tag, which any catalog change drops.
 */
const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const search = new SearchService(app.database.db)

  app.get(
    '/api/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Full-text search with filters, facets, highlights and typo tolerance',
        description:
          'Words are matched in titles (weighted most), series, authors, descriptions and ' +
          'genres, accent-insensitively, ranked with popularity and a Bayesian rating. Syntax: ' +
          '"exact phrase", -exclude, OR. An ISBN finds its book first. When the words find ' +
          'little, didYouMean offers a close title, author or series.',
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...problemResponses() },
      },
    },
    (request, reply) =>
      app.sendCached(reply, {
        category: 'search',
        key: `search:${canonicalQuery(request.query)}`,
        tags: [cacheTags.search],
        visibility: 'public',
        load: () => search.search(request.query),
      }),
  )

  app.get(
    '/api/search/suggest',
    {
      schema: {
        tags: ['search'],
        summary: 'As-you-type suggestions: books, authors and series, prefix and typo tolerant',
        querystring: SuggestQuery,
        response: { 200: SuggestResponse, ...problemResponses() },
      },
    },
    (request, reply) =>
      app.sendCached(reply, {
        category: 'search',
        key: `suggest:${canonicalQuery(request.query)}`,
        tags: [cacheTags.search],
        visibility: 'public',
        load: () => search.suggest(request.query),
      }),
  )
}

export default searchRoutes

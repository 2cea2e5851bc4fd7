import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { cacheTags } from '../../cache/tags.ts'
import { problemResponses } from '../../lib/problem.ts'
import type { UserPrincipal } from '../../plugins/auth.ts'
import { IdParams } from '../catalog/catalog.schemas.ts'
import {
  type RecommendationList as List,
  RecommendationList,
  RecommendationQuery,
} from './recommendations.schemas.ts'
import { RecommendationsService } from './recommendations.service.ts'

const bookTags = (list: List) => list.items.map((item) => cacheTags.book(item.book.id))

/**
 * Similar books are public and cached per book; personal recommendations need a reader and
 * are cached per reader (private). A reader's library, review and purchase writes drop their
 * user tag, and every model refresh drops the whole category (src/jobs).
 */
const recommendationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const recommendations = new RecommendationsService(app.database.db)

  app.get(
    '/api/books/:id/similar',
    {
      schema: {
        tags: ['recommendations'],
        summary:
          'Books like this one: what its readers also liked, then more by its authors, then ' +
          'popular books of its genre',
        params: IdParams,
        querystring: RecommendationQuery,
        response: { 200: RecommendationList, ...problemResponses(404) },
      },
    },
    (request, reply) =>
      app.sendCached(reply, {
        category: 'recommendations',
        key: `similar:${request.params.id}:${request.query.limit}`,
        tags: [cacheTags.book(request.params.id)],
        visibility: 'public',
        load: () => recommendations.similarTo(request.params.id, request.query.limit),
        tagsOf: bookTags,
      }),
  )

  await app.register(async (context) => {
    const me = context.withTypeProvider<TypeBoxTypeProvider>()
    me.addHook('onRequest', me.requireUser)

    me.get(
      '/api/recommendations',
      {
        schema: {
          tags: ['recommendations'],
          summary:
            'Books for you, with the reasons: similar to what you rated, shelved or bought and ' +
            'in the genres you read; popular and trending picks when there is little to go on',
          querystring: RecommendationQuery,
          response: { 200: RecommendationList, ...problemResponses(401) },
        },
      },
      async (request, reply) => {
        const reader = (request.principal as UserPrincipal).userId
        return app.sendCached(reply, {
          category: 'recommendations',
          key: `reader:${reader}:${request.query.limit}`,
          tags: [cacheTags.user(reader)],
          visibility: 'private',
          load: () => recommendations.forReader(reader, request.query.limit),
          tagsOf: bookTags,
        })
      },
    )
  })
}

export default recommendationsRoutes

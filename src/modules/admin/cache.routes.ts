import createError from '@fastify/error'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CACHE_CATEGORIES } from '../../cache/cache-service.ts'
import { problemResponses } from '../../lib/problem.ts'

const CategoryStats = Type.Object({
  hits: Type.Integer(),
  misses: Type.Integer(),
  stale: Type.Integer({ description: 'served from grace while refreshing' }),
  ttlSeconds: Type.Integer(),
  hitRate: Type.Union([Type.Number(), Type.Null()], { description: '(hits + stale) / served' }),
})

const CacheReport = Type.Object({
  enabled: Type.Boolean(),
  categories: Type.Record(Type.String(), CategoryStats),
  l1: Type.Object({
    entries: Type.Integer(),
    bytes: Type.Integer(),
    maxBytes: Type.Integer(),
  }),
  validated: Type.Object(
    {
      entries: Type.Integer(),
      bytes: Type.Integer(),
      maxBytes: Type.Integer(),
    },
    { description: 'hot answers kept parsed in front of L1, trusted until an invalidation' },
  ),
  redis: Type.Object({
    configured: Type.Boolean(),
    status: Type.String({ description: 'ioredis connection status, e.g. ready, reconnecting' }),
    usedMemoryBytes: Type.Union([Type.Integer(), Type.Null()]),
  }),
})

const InvalidateQuery = Type.Object(
  {
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[a-z0-9:_-]+$' })),
    category: Type.Optional(Type.Enum([...CACHE_CATEGORIES])),
  },
  { additionalProperties: false },
)

const TagOrCategoryRequired = createError(
  'TAG_OR_CATEGORY_REQUIRED',
  'Give exactly one of ?tag= or ?category=',
  400,
)

/** Admin: cache statistics and manual invalidation. Context demands the admin scope. */
const cacheAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireScope('admin'))

  app.get(
    '/api/admin/cache',
    {
      schema: {
        tags: ['admin'],
        summary: 'Hits, misses and hit rate per category; L1 size; Redis memory',
        response: { 200: CacheReport, ...problemResponses(401, 403) },
      },
    },
    async () => ({ ...app.cache.stats(), redis: await redisReport() }),
  )

  app.delete(
    '/api/admin/cache',
    {
      schema: {
        tags: ['admin'],
        summary: 'Invalidate by tag (e.g. book:42) or by category, on every instance',
        querystring: InvalidateQuery,
        response: {
          200: Type.Object({ invalidated: Type.String() }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request) => {
      const { tag, category } = request.query
      if ((tag === undefined) === (category === undefined)) throw new TagOrCategoryRequired()
      if (tag) await app.cache.invalidate([tag])
      else await app.cache.invalidateCategory(category!)
      return { invalidated: tag ? `tag ${tag}` : `category ${category}` }
    },
  )

  async function redisReport() {
    const redis = app.redis
    if (!redis) return { configured: false, status: 'none', usedMemoryBytes: null }
    const info = await redis.info('memory').catch(() => '')
    const used = /used_memory:(\d+)/.exec(info)
    return {
      configured: true,
      status: redis.status,
      usedMemoryBytes: used ? Number(used[1]) : null,
    }
  }
}

export default cacheAdminRoutes

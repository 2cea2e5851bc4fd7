import { Type } from 'typebox'

const Status = Type.Enum(['ok', 'degraded', 'down', 'disabled'])

export const Dependency = Type.Object({
  status: Status,
  responseTimeMs: Type.Optional(Type.Number()),
  detail: Type.Optional(Type.String({ description: 'why it is not ok, or what it holds' })),
})

export const Health = Type.Object({
  status: Type.Enum(['ok', 'degraded', 'down']),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  checks: Type.Object({
    database: Dependency,
    redis: Dependency,
    cache: Dependency,
    memory: Type.Object({
      status: Status,
      rssBytes: Type.Integer(),
      heapUsedBytes: Type.Integer(),
      heapLimitBytes: Type.Integer(),
      detail: Type.Optional(Type.String()),
    }),
    eventLoop: Type.Object({
      status: Status,
      lagMs: Type.Number({ description: 'p99 event-loop delay over the last sampling interval' }),
      detail: Type.Optional(Type.String()),
    }),
    disk: Type.Object({
      status: Status,
      responseTimeMs: Type.Optional(Type.Number()),
      path: Type.Optional(Type.String()),
      freeBytes: Type.Optional(Type.Integer()),
      totalBytes: Type.Optional(Type.Integer()),
      detail: Type.Optional(Type.String()),
    }),
  }),
})

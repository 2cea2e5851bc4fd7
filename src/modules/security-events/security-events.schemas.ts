import { type Static, Type } from 'typebox'

export const SecurityEventItem = Type.Object({
  id: Type.Integer(),
  type: Type.String({ description: 'login_failed, account_locked, refresh_token_reused, ...' }),
  severity: Type.Enum(['info', 'warning', 'critical']),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Object({}, { additionalProperties: true }),
  createdAt: Type.String({ format: 'date-time' }),
})

export const SecurityEventsQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' })),
    userId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
)
export type SecurityEventsQuery = Static<typeof SecurityEventsQuery>

export const SecurityEventsPage = Type.Object({
  items: Type.Array(SecurityEventItem),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

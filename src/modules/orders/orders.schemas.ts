import { type Static, Type } from 'typebox'
import { Pagination } from '../catalog/catalog.schemas.ts'

/** Data shapes of orders: one schema per shape. */

export const ORDER_STATUSES = ['pending', 'paid', 'failed', 'cancelled', 'refunded'] as const
export const MAX_CART_ITEMS = 50
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])
const Status = Type.Enum([...ORDER_STATUSES])
const Timestamp = Type.String({ format: 'date-time' })

export const CreateOrderBody = Type.Object(
  {
    items: Type.Array(Type.Object({ bookId: Id }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: MAX_CART_ITEMS,
      description: `the books to buy, 1–${MAX_CART_ITEMS}, each once`,
    }),
  },
  { additionalProperties: false },
)
export type CreateOrderBody = Static<typeof CreateOrderBody>

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        `required: 1–${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters, e.g. a UUID. The ` +
        'same key and body replays the first answer; a different body is a 422; while the ' +
        'first request runs, a 409 that is safe to retry',
    }),
  ),
})

export const OrderItem = Type.Object({
  bookId: Nullable(Type.Integer({ description: 'null once the book left the catalog' })),
  title: Type.String(),
  priceCents: Type.Integer({ description: 'the price when the order was made' }),
  currency: Type.String(),
})

export const Order = Type.Object({
  id: Type.Integer(),
  status: Status,
  items: Type.Array(OrderItem),
  totalCents: Type.Integer(),
  currency: Type.String(),
  provider: Type.Enum(['local', 'stripe', 'none']),
  paymentId: Nullable(Type.String()),
  createdAt: Timestamp,
  paidAt: Nullable(Timestamp),
  refundedAt: Nullable(Timestamp),
})
export type Order = Static<typeof Order>

export const AdminOrder = Type.Object({
  ...Order.properties,
  userId: Nullable(Type.Integer()),
  refundId: Nullable(Type.String()),
  failedAt: Nullable(Timestamp),
  cancelledAt: Nullable(Timestamp),
})
export type AdminOrder = Static<typeof AdminOrder>

export const Checkout = Type.Object({
  order: Order,
  payment: Type.Object({
    provider: Type.Enum(['local', 'stripe', 'none']),
    paymentId: Nullable(Type.String()),
    clientSecret: Nullable(
      Type.String({ description: 'for Stripe.js on the front end; null for a free order' }),
    ),
  }),
})
export type Checkout = Static<typeof Checkout>

export const OrderListQuery = Type.Object(
  {
    ...Pagination,
    status: Type.Optional({ ...Status, description: 'only orders in this state' }),
  },
  { additionalProperties: false },
)
export type OrderListQuery = Static<typeof OrderListQuery>

export const AdminOrderListQuery = Type.Object(
  {
    ...Pagination,
    status: Type.Optional({ ...Status, description: 'only orders in this state' }),
    userId: Type.Optional({ ...Id, description: 'only this buyer' }),
    provider: Type.Optional(Type.Enum(['local', 'stripe', 'none'])),
    createdFrom: Type.Optional({ ...Timestamp, description: 'created at or after' }),
    createdTo: Type.Optional({ ...Timestamp, description: 'created before' }),
  },
  { additionalProperties: false },
)
export type AdminOrderListQuery = Static<typeof AdminOrderListQuery>

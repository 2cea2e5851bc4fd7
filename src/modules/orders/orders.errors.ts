import createError from '@fastify/error'

export const OrderNotFound = createError('ORDER_NOT_FOUND', 'No order of yours has id %s', 404)
export const DuplicateItems = createError(
  'DUPLICATE_ITEMS',
  'Book %s is in the cart more than once; each book is bought once',
  400,
)
export const BookAlreadyOwned = createError('BOOK_ALREADY_OWNED', 'You already own %s', 409)
export const MixedCurrencies = createError(
  'MIXED_CURRENCIES',
  'The cart mixes currencies (%s); buy them in separate orders',
  400,
)
export const IdempotencyKeyMissing = createError(
  'IDEMPOTENCY_KEY_MISSING',
  'A checkout needs an Idempotency-Key header (a UUID will do), so a retry never charges twice',
  400,
)
export const IdempotencyKeyInvalid = createError(
  'IDEMPOTENCY_KEY_INVALID',
  'The Idempotency-Key must be 1–255 visible ASCII characters',
  400,
)
export const IdempotencyKeyReused = createError(
  'IDEMPOTENCY_KEY_REUSED',
  'This Idempotency-Key was used with a different request; use a new key for a new request',
  422,
)
export const IdempotencyKeyInUse = createError(
  'IDEMPOTENCY_KEY_IN_USE',
  'A request with this Idempotency-Key is still running; retry shortly with the same key',
  409,
)
export const OrderNotRefundable = createError(
  'ORDER_NOT_REFUNDABLE',
  'Order %s is %s; only a paid order can be refunded',
  409,
)

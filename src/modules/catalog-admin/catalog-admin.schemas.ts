import { type Static, type TSchema, Type } from 'typebox'

/**
 * Request bodies of the admin catalog writes. Each mirrors a CHECK constraint of
 * 0001_catalog.sql, so a bad value is a 400 naming the field rather than a database error.
 * Every body refuses unknown properties: `ratings_1`, `goodreadsId` or `createdAt` cannot be
 * slipped in. PATCH bodies: an absent field is unchanged, `null` clears a nullable one, and a
 * list (authorIds, series, genreIds) replaces the book's whole list.
 */

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
// at least one visible character; the service trims, as the database demands trimmed text
const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) })
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Slug = (maxLength: number) =>
  Type.String({
    pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
    maxLength,
    description: 'lowercase words joined by hyphens; derived from the name when absent',
  })
const Url = Type.String({ pattern: '^https?://\\S+$', maxLength: 2000 })

export const PriceInput = Type.Object(
  {
    amountCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. USD' }),
  },
  { additionalProperties: false },
)

export const SeriesLink = Type.Object(
  {
    id: Id,
    position: Nullable(
      Type.Number({ minimum: 0, maximum: 99_999.99, multipleOf: 0.01, description: 'e.g. 2.5' }),
    ),
    positionLabel: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 20, description: 'e.g. "1-3"' })),
    ),
  },
  { additionalProperties: false },
)
export type SeriesLink = Static<typeof SeriesLink>

const bookFields = {
  title: Text(500),
  subtitle: Nullable(Text(500)),
  description: Nullable(
    Type.String({
      maxLength: 20_000,
      description:
        'plain text or simple HTML (p, br, b, i, em, strong, lists); the rest is removed',
    }),
  ),
  isbn: Nullable(
    Type.String({
      minLength: 10,
      maxLength: 17,
      description: 'ISBN-10 or ISBN-13, hyphens allowed; both forms are stored',
    }),
  ),
  language: Nullable(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z]{2,4})?$' })),
  originalPublicationYear: Nullable(Type.Integer({ minimum: -3000, maximum: 2100 })),
  coverUrl: Nullable(Url),
  coverSmallUrl: Nullable({
    ...Url,
    description: 'a thumbnail; cleared when coverUrl changes without one',
  }),
  price: PriceInput,
  authorIds: Type.Array(Id, {
    minItems: 1,
    maxItems: 100,
    uniqueItems: true,
    description: 'in credit order',
  }),
  series: Type.Array(SeriesLink, { maxItems: 20 }),
  genreIds: Type.Array(Id, {
    maxItems: 50,
    uniqueItems: true,
    description: 'strongest first; replaces the shelf-derived weights',
  }),
}

const BookFields = Type.Object(bookFields)
const { title, price, authorIds, ...optionalBookFields } = bookFields

export const CreateBookBody = Type.Object(
  { title, price, authorIds, ...Type.Partial(Type.Object(optionalBookFields)).properties },
  { additionalProperties: false },
)
export type CreateBookBody = Static<typeof CreateBookBody>

export const UpdateBookBody = Type.Partial(BookFields, {
  additionalProperties: false,
  minProperties: 1,
})
export type UpdateBookBody = Static<typeof UpdateBookBody>

/** Authors and series: a name and a unique slug. */
const NamedFields = Type.Object({ name: Text(300), slug: Slug(320) })

export const CreateNamedBody = Type.Object(
  { name: NamedFields.properties.name, slug: Type.Optional(NamedFields.properties.slug) },
  { additionalProperties: false },
)
export type CreateNamedBody = Static<typeof CreateNamedBody>
export const UpdateNamedBody = Type.Partial(NamedFields, {
  additionalProperties: false,
  minProperties: 1,
})
export type UpdateNamedBody = Static<typeof UpdateNamedBody>

const GenreFields = Type.Object({
  name: Text(100),
  slug: Slug(100),
  description: Nullable(Type.String({ maxLength: 1000 })),
})
export const CreateGenreBody = Type.Object(
  {
    name: GenreFields.properties.name,
    ...Type.Partial(Type.Omit(GenreFields, ['name'])).properties,
  },
  { additionalProperties: false },
)
export type CreateGenreBody = Static<typeof CreateGenreBody>
export const UpdateGenreBody = Type.Partial(GenreFields, {
  additionalProperties: false,
  minProperties: 1,
})
export type UpdateGenreBody = Static<typeof UpdateGenreBody>

import { type Static, Type } from 'typebox'
import { AuthorRef, Pagination } from '../catalog/catalog.schemas.ts'

/** Data shapes of the personal library: one schema per shape. */

export const SHELVES = ['want_to_read', 'reading', 'read', 'did_not_finish'] as const
export const LIBRARY_SORTS = ['updated', 'title', 'progress', 'started', 'finished'] as const
export type LibrarySort = (typeof LIBRARY_SORTS)[number]

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])
const Shelf = Type.Enum([...SHELVES])
const CalendarDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' })

export const BookIdParams = Type.Object({ bookId: Id }, { additionalProperties: false })

export const LibraryQuery = Type.Object(
  {
    ...Pagination,
    sort: Type.Enum([...LIBRARY_SORTS], {
      default: 'updated',
      description:
        'updated: recently changed first; title: A–Z; progress: furthest first; started, ' +
        'finished: most recent first, entries without the date last',
    }),
    shelf: Type.Optional({ ...Shelf, description: 'only this shelf' }),
    genre: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
        maxLength: 100,
        description: 'genre slug, e.g. fantasy',
      }),
    ),
    owned: Type.Optional(Type.Boolean({ description: 'only bought books (true) or others' })),
  },
  { additionalProperties: false },
)
export type LibraryQuery = Static<typeof LibraryQuery>

export const PutLibraryEntryBody = Type.Object(
  {
    shelf: Shelf,
    progress: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        description: 'percent read; moving to "read" sets 100 unless given',
      }),
    ),
    startedOn: Type.Optional(
      Nullable({
        ...CalendarDate,
        description: 'not in the future; moving to "reading" sets today when none is stored',
      }),
    ),
    finishedOn: Type.Optional(
      Nullable({
        ...CalendarDate,
        description:
          'on or after startedOn, not in the future; moving to "read" sets today when none is stored',
      }),
    ),
  },
  { additionalProperties: false },
)
export type PutLibraryEntryBody = Static<typeof PutLibraryEntryBody>

export const LibraryBook = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  authors: Type.Array(AuthorRef),
  coverUrl: Nullable(Type.String()),
})
export type LibraryBook = Static<typeof LibraryBook>

export const LibraryEntry = Type.Object({
  book: LibraryBook,
  shelf: Type.Union([Shelf, Type.Null()], { description: 'null: owned but not on a shelf' }),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  startedOn: Nullable(CalendarDate),
  finishedOn: Nullable(CalendarDate),
  owned: Type.Boolean({ description: 'bought through Victoria' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type LibraryEntry = Static<typeof LibraryEntry>

import { type Static, Type } from 'typebox'
import { LibraryBook, SHELVES } from '../library/library.schemas.ts'

/** The reader's dashboard: figures over their library and reviews. Dates are UTC calendar dates. */

const Count = Type.Integer({ minimum: 0 })
const CalendarDate = Type.String({ format: 'date' })
const Timestamp = Type.String({ format: 'date-time' })

const LibraryEvent = Type.Object({
  type: Type.Literal('library'),
  at: Timestamp,
  book: LibraryBook,
  shelf: Type.Union([Type.Enum([...SHELVES]), Type.Null()]),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
})
const ReviewEvent = Type.Object({
  type: Type.Literal('review'),
  at: Timestamp,
  book: LibraryBook,
  reviewId: Type.Integer(),
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
})

export const Dashboard = Type.Object({
  year: Type.Integer({ description: 'the current year (UTC) that thisYear refers to' }),
  booksRead: Type.Object({
    thisYear: { ...Count, description: 'shelved as read with a finish date this year' },
    allTime: { ...Count, description: 'shelved as read' },
  }),
  booksPerMonth: Type.Array(
    Type.Object({ month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }), count: Count }),
    {
      description: 'books finished in each of the last 12 months, oldest first, this month last',
    },
  ),
  genres: Type.Array(
    Type.Object({ id: Type.Integer(), name: Type.String(), slug: Type.String(), count: Count }),
    {
      description: 'genres of the books read, most read first; a book counts in each of its genres',
    },
  ),
  shelves: Type.Object({
    wantToRead: Count,
    reading: Count,
    read: Count,
    didNotFinish: Count,
    owned: Count,
  }),
  reviews: Type.Object({
    written: { ...Count, description: 'reviews and bare ratings' },
    withText: { ...Count, description: 'of which with a title or text' },
    averageRating: Type.Union([Type.Number(), Type.Null()], {
      description: 'mean of the ratings given, two decimals; null before the first',
    }),
  }),
  currentlyReading: Type.Array(
    Type.Object({
      book: LibraryBook,
      progress: Type.Integer({ minimum: 0, maximum: 100 }),
      startedOn: Type.Union([CalendarDate, Type.Null()]),
      updatedAt: Timestamp,
    }),
    { description: 'the "reading" shelf, most recently updated first (up to 20)' },
  ),
  recentActivity: Type.Array(Type.Union([LibraryEvent, ReviewEvent]), {
    description:
      'the last 10 changes to library entries and reviews, newest first (each entry and review ' +
      'appears once, at its latest change)',
  }),
})
export type Dashboard = Static<typeof Dashboard>

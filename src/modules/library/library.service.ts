import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { type CursorPosition, decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { InvalidCursor } from '../../lib/errors.ts'
import { isCheckViolation, isForeignKeyViolation } from '../../lib/postgres-errors.ts'
import { BookNotFound, UnknownGenre } from '../catalog/catalog.errors.ts'
import { InvalidDates, LibraryEntryNotFound } from './library.errors.ts'
import {
  type EntryMerge,
  type EntryValues,
  type LibraryEntryRow,
  type LibraryFilters,
  LibraryRepository,
} from './library.repository.ts'
import type {
  LibraryEntry,
  LibraryQuery,
  LibrarySort,
  PutLibraryEntryBody,
} from './library.schemas.ts'

const EARLIEST_DATE = '1900-01-01'
const HOUR_MS = 3_600_000

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10)
/** Today in UTC: the date that defaults stand for. */
export const todayUtc = () => isoDate(Date.now())
// "Not in the future" allows the date it already is somewhere on Earth: up to 14 hours ahead
// of UTC (Kiribati), so a reader there can log today's date before UTC gets to it.
const latestDate = () => isoDate(Date.now() + 14 * HOUR_MS)

export function toLibraryEntry(row: LibraryEntryRow): LibraryEntry {
  return {
    book: { id: row.book_id, title: row.title, authors: row.authors, coverUrl: row.cover_url },
    shelf: row.shelf,
    progress: row.progress,
    startedOn: row.started_on,
    finishedOn: row.finished_on,
    owned: row.owned,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

// A cursor is client-supplied text: its value must have the shape the sort key reads back,
// or it would reach SQL as a malformed date or number (a 500 instead of a 400).
const CURSOR_VALUES: Record<LibrarySort, (value: string | number) => boolean> = {
  updated: (v) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(v),
  title: (v) => typeof v === 'string',
  progress: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100,
  started: (v) => typeof v === 'string' && /^(\d{4}-\d\d-\d\d|-infinity)$/.test(v),
  finished: (v) => typeof v === 'string' && /^(\d{4}-\d\d-\d\d|-infinity)$/.test(v),
}

function checkDates(startedOn: string | null | undefined, finishedOn: string | null | undefined) {
  const latest = latestDate()
  for (const [field, date] of [
    ['startedOn', startedOn],
    ['finishedOn', finishedOn],
  ] as const) {
    if (!date) continue
    if (date > latest) throw new InvalidDates(`${field} (${date}) is in the future`)
    if (date < EARLIEST_DATE)
      throw new InvalidDates(`${field} (${date}) is before ${EARLIEST_DATE}`)
  }
  if (startedOn && finishedOn && finishedOn < startedOn) {
    throw new InvalidDates(`finishedOn (${finishedOn}) is before startedOn (${startedOn})`)
  }
}

/** A reader's library: which books are on which shelf, how far along, since and until when. */
export class LibraryService {
  private readonly library: LibraryRepository

  constructor(db: Kysely<DB>) {
    this.library = new LibraryRepository(db)
  }

  async list(userId: number, query: LibraryQuery) {
    let after: CursorPosition | undefined
    if (query.cursor) {
      after = decodeCursor(query.cursor, query.sort)
      if (!CURSOR_VALUES[query.sort](after.value)) throw new InvalidCursor()
    }
    const filters: LibraryFilters = { shelf: query.shelf, owned: query.owned }
    if (query.genre !== undefined) {
      filters.genreId = await this.library.findGenreIdBySlug(query.genre)
      if (filters.genreId === undefined) throw new UnknownGenre(query.genre)
    }
    const [rows, total] = await Promise.all([
      this.library.findPage(userId, filters, query.sort, query.limit, after),
      this.library.count(userId, filters),
    ])
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({ sort: query.sort, value: last.sort_value, id: last.book_id })
        : null
    return { items: page.map(toLibraryEntry), nextCursor, total }
  }

  async get(userId: number, bookId: number): Promise<LibraryEntry> {
    const row = await this.library.findEntry(userId, bookId)
    if (!row) throw new LibraryEntryNotFound(bookId)
    return toLibraryEntry(row)
  }

  /**
   * Shelves a book, or changes its entry. Fields left out keep what is stored (null clears a
   * date), with the defaults a reader expects: "reading" starts today and "read" finishes
   * today when no date is stored, and "read" means 100 % unless progress is given.
   */
  async put(userId: number, bookId: number, input: PutLibraryEntryBody) {
    checkDates(input.startedOn, input.finishedOn)
    const today = todayUtc()
    const startedOn =
      input.startedOn !== undefined ? input.startedOn : input.shelf === 'reading' ? today : null
    const finishedOn =
      input.finishedOn !== undefined
        ? input.finishedOn
        : input.shelf === 'read'
          ? [today, startedOn ?? today].sort().at(-1)!
          : null
    const values: EntryValues = {
      shelf: input.shelf,
      progress: input.progress ?? (input.shelf === 'read' ? 100 : 0),
      startedOn,
      finishedOn,
    }
    const merge: EntryMerge = {
      progress:
        input.progress !== undefined ? 'given' : input.shelf === 'read' ? 'complete' : 'keep',
      startedOn: input.startedOn !== undefined ? 'given' : 'keep-or-default',
      finishedOn: input.finishedOn !== undefined ? 'given' : 'keep-or-default',
    }
    let created: boolean
    try {
      created = await this.library.upsert(userId, bookId, values, merge, today)
    } catch (error) {
      // a date given now against one stored earlier
      if (isCheckViolation(error, 'library_entries_dates_check')) {
        throw new InvalidDates('finishedOn would be before startedOn (given or stored)')
      }
      if (isForeignKeyViolation(error, 'library_entries_book_id_fkey')) {
        throw new BookNotFound(`id ${bookId}`)
      }
      throw error
    }
    return { created, entry: await this.get(userId, bookId) }
  }

  async remove(userId: number, bookId: number): Promise<void> {
    if (!(await this.library.remove(userId, bookId))) throw new LibraryEntryNotFound(bookId)
  }
}

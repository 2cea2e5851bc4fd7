import type { Kysely } from 'kysely'
import sanitizeHtml from 'sanitize-html'
import type { DB } from '../../db/types.ts'
import { parseIsbn } from '../../lib/isbn.ts'
import { BookNotFound, InvalidIsbn } from '../catalog/catalog.errors.ts'
import { CatalogService } from '../catalog/catalog.service.ts'
import { bookWriteTags, type Invalidate } from './cache-tags.ts'
import {
  DuplicateSeries,
  UnknownAuthors,
  UnknownGenres,
  UnknownSeries,
} from './catalog-admin.errors.ts'
import type { CreateBookBody, SeriesLink, UpdateBookBody } from './catalog-admin.schemas.ts'
import type {
  BookChanges,
  CatalogWritesRepository,
  LinkedTable,
} from './catalog-writes.repository.ts'
import { writeInTransaction } from './write-transaction.ts'

// Descriptions are shown as HTML by clients: keep simple formatting, drop everything else
// (scripts, styles, links, attributes), so a stored description cannot carry script.
const DESCRIPTION_HTML: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'b', 'i', 'em', 'strong', 'ul', 'ol', 'li'],
  allowedAttributes: {},
}

const UNKNOWN_ERRORS = {
  authors: UnknownAuthors,
  series: UnknownSeries,
  genres: UnknownGenres,
} as const

type BookInput = UpdateBookBody

/**
 * Creates, changes and deletes books with their links; each call is one transaction, and the
 * cache entries showing the book (and the authors, series and genres it left or joined) are
 * dropped once it has committed.
 */
export class BooksAdminService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly invalidate: Invalidate,
  ) {}

  async create(input: CreateBookBody) {
    const values = toBookChanges(input)
    const book = await writeInTransaction(
      this.db,
      { entity: 'book', isbn13: values.isbn13 },
      async (trx, writes) => {
        const id = await writes.insertBook({
          ...values,
          title: input.title.trim(),
          price_cents: input.price.amountCents,
        })
        await setLinks(writes, id, input)
        return new CatalogService(trx).getBook(id)
      },
    )
    await this.invalidate(bookWriteTags(book.id, [book]))
    return book
  }

  async update(id: number, input: UpdateBookBody) {
    const changes = toBookChanges(input)
    const [before, after] = await writeInTransaction(
      this.db,
      { entity: 'book', id, isbn13: changes.isbn13 },
      async (trx, writes) => {
        if ((await writes.updateBook(id, changes)) === undefined) throw new BookNotFound(`id ${id}`)
        const catalog = new CatalogService(trx)
        // the row is locked by now; its links are still the old ones
        const old = await catalog.getBook(id)
        await setLinks(writes, id, input)
        return [old, await catalog.getBook(id)] as const
      },
    )
    await this.invalidate(bookWriteTags(id, [before, after]))
    return after
  }

  async delete(id: number): Promise<void> {
    const before = await writeInTransaction(
      this.db,
      { entity: 'book', id },
      async (trx, writes) => {
        const book = await new CatalogService(trx).getBook(id)
        if (!(await writes.deleteBook(id))) throw new BookNotFound(`id ${id}`)
        return book
      },
    )
    await this.invalidate(bookWriteTags(id, [before]))
  }
}

/** The columns a create or PATCH body sets: ISBN normalised, text trimmed, HTML sanitised. */
function toBookChanges(input: BookInput): BookChanges {
  const changes: BookChanges = {}
  if (input.title !== undefined) changes.title = input.title.trim()
  if (input.subtitle !== undefined) changes.subtitle = input.subtitle?.trim() ?? null
  if (input.description !== undefined) {
    const clean =
      input.description === null ? '' : sanitizeHtml(input.description, DESCRIPTION_HTML).trim()
    changes.description = clean === '' ? null : clean
  }
  if (input.isbn !== undefined) {
    if (input.isbn === null) {
      changes.isbn13 = null
      changes.isbn10 = null
    } else {
      const parsed = parseIsbn(input.isbn)
      if (!parsed.ok) {
        throw new InvalidIsbn(
          parsed.reason === 'checksum'
            ? `"${input.isbn}" has a wrong check digit`
            : `"${input.isbn}" is not an ISBN-10 or ISBN-13 (hyphens and spaces are allowed)`,
        )
      }
      changes.isbn13 = parsed.isbn13
      changes.isbn10 = parsed.isbn10
    }
  }
  if (input.language !== undefined) changes.language = input.language
  if (input.originalPublicationYear !== undefined) {
    changes.original_publication_year = input.originalPublicationYear
  }
  if (input.coverUrl !== undefined) {
    changes.cover_url = input.coverUrl
    // a thumbnail of the previous cover would contradict the new one
    if (input.coverSmallUrl === undefined) changes.cover_small_url = null
  }
  if (input.coverSmallUrl !== undefined) changes.cover_small_url = input.coverSmallUrl
  if (input.price !== undefined) {
    changes.price_cents = input.price.amountCents
    changes.currency = input.price.currency
  }
  return changes
}

/** Replaces each list the body carries, after checking that every id it names exists. */
async function setLinks(writes: CatalogWritesRepository, bookId: number, input: BookInput) {
  if (input.authorIds !== undefined) {
    await requireExisting(writes, 'authors', input.authorIds)
    await writes.replaceAuthors(bookId, input.authorIds)
  }
  if (input.series !== undefined) {
    const ids = input.series.map((s) => s.id)
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i)
    if (repeated.length > 0) throw new DuplicateSeries([...new Set(repeated)].join(', '))
    await requireExisting(writes, 'series', ids)
    await writes.replaceSeries(bookId, input.series.map(toSeriesLinkValues))
  }
  if (input.genreIds !== undefined) {
    await requireExisting(writes, 'genres', input.genreIds)
    await writes.replaceGenres(bookId, input.genreIds)
  }
}

async function requireExisting(
  writes: CatalogWritesRepository,
  table: LinkedTable,
  ids: readonly number[],
) {
  const found = await writes.existingIds(table, ids)
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length > 0) throw new UNKNOWN_ERRORS[table](missing.join(', '))
}

const toSeriesLinkValues = (link: SeriesLink) => ({
  seriesId: link.id,
  position: link.position,
  positionLabel: link.positionLabel?.trim() || null,
})

import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { decodeCursor, keysetPage } from '../../lib/cursor.ts'
import { assertYearRange } from '../../lib/errors.ts'
import { parseIsbn } from '../../lib/isbn.ts'
import { AuthorsRepository } from './authors.repository.ts'
import { type BookFilters, BooksRepository } from './books.repository.ts'
import {
  AuthorNotFound,
  BookNotFound,
  GenreNotFound,
  InvalidIsbn,
  SeriesNotFound,
  UnknownGenre,
} from './catalog.errors.ts'
import { toAuthorSummary, toBookDetail, toBookSummary, toGenre } from './catalog.mappers.ts'
import type { AuthorListQuery, BookListQuery } from './catalog.schemas.ts'
import { TaxonomyRepository } from './taxonomy.repository.ts'

const AUTHOR_TOP_BOOKS = 50

/** The catalog's read side: turns validated queries into pages and documents, or coded errors. */
export class CatalogService {
  private readonly books: BooksRepository
  private readonly authors: AuthorsRepository
  private readonly taxonomy: TaxonomyRepository

  constructor(db: Kysely<DB>) {
    this.books = new BooksRepository(db)
    this.authors = new AuthorsRepository(db)
    this.taxonomy = new TaxonomyRepository(db)
  }

  async listBooks(query: BookListQuery) {
    assertYearRange(query)
    const after = query.cursor ? decodeCursor(query.cursor, query.sort) : undefined
    const filters: BookFilters = {
      authorId: query.author,
      seriesId: query.series,
      language: query.language,
      yearFrom: query.yearFrom,
      yearTo: query.yearTo,
      minRating: query.minRating,
    }
    if (query.genre !== undefined) {
      filters.genreId = await this.taxonomy.findGenreIdBySlug(query.genre)
      if (filters.genreId === undefined) throw new UnknownGenre(query.genre)
    }
    const [rows, total] = await Promise.all([
      this.books.findPage(filters, query.sort, query.limit, after),
      this.books.count(filters),
    ])
    const { page, nextCursor } = keysetPage(rows, query.limit, query.sort)
    return { items: page.map(toBookSummary), nextCursor, total }
  }

  async getBook(id: number) {
    const row = await this.books.findById(id)
    if (!row) throw new BookNotFound(`id ${id}`)
    return toBookDetail(row)
  }

  async getBookByIsbn(input: string) {
    const parsed = parseIsbn(input)
    if (!parsed.ok) {
      throw new InvalidIsbn(
        parsed.reason === 'checksum'
          ? `"${input}" has a wrong check digit`
          : `"${input}" is not an ISBN-10 or ISBN-13 (hyphens and spaces are allowed)`,
      )
    }
    const row =
      (await this.books.findByIsbn13(parsed.isbn13)) ??
      (parsed.isbn10 ? await this.books.findByIsbn10(parsed.isbn10) : undefined)
    if (!row) throw new BookNotFound(`ISBN ${parsed.isbn13}`)
    return toBookDetail(row)
  }

  async listAuthors(query: AuthorListQuery) {
    const after = query.cursor ? decodeCursor(query.cursor, 'name') : undefined
    const [rows, total] = await Promise.all([
      this.authors.findPage(query.q, query.limit, after),
      this.authors.count(query.q),
    ])
    const { page, nextCursor } = keysetPage(rows, query.limit, 'name')
    return { items: page.map(toAuthorSummary), nextCursor, total }
  }

  async getAuthor(id: number) {
    const [author, books] = await Promise.all([
      this.authors.findById(id),
      this.authors.findTopBooks(id, AUTHOR_TOP_BOOKS),
    ])
    if (!author) throw new AuthorNotFound(id)
    return { ...toAuthorSummary(author), books: books.map(toBookSummary) }
  }

  async listGenres() {
    return (await this.taxonomy.listGenres()).map(toGenre)
  }

  async getGenre(id: number) {
    const row = await this.taxonomy.findGenreById(id)
    if (!row) throw new GenreNotFound(id)
    return toGenre(row)
  }

  async getSeries(id: number) {
    const [series, rows] = await Promise.all([
      this.taxonomy.findSeriesById(id),
      this.taxonomy.findSeriesBooks(id),
    ])
    if (!series) throw new SeriesNotFound(id)
    return {
      ...series,
      bookCount: rows.length,
      books: rows.map((row) => ({
        position: row.position === null ? null : Number(row.position),
        positionLabel: row.position_label,
        book: toBookSummary(row),
      })),
    }
  }
}

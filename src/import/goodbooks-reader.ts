import { createReadStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { parse } from 'csv-parse'

/**
 * Streams the goodbooks-10k CSV files (see data/goodbooks/README.md) record by record, so memory
 * stays flat whatever the file size. Each file is read as `<name>.csv.gz`, or `<name>.csv` when
 * only the plain file exists. Values stay close to the file: the importer decides what a
 * malformed ISBN or year becomes; a record that breaks the file's structure throws.
 */

export class GoodbooksFormatError extends Error {
  override name = 'GoodbooksFormatError'
}

export interface GoodbooksBook {
  /** books.csv's own 1..10000 id (ratings.csv refers to it) */
  bookId: number
  goodreadsId: number
  isbn: string
  isbn13: string
  authors: string
  originalPublicationYear: string
  originalTitle: string
  /** the Goodreads display title, series included: "Twilight (Twilight, #1)" */
  title: string
  languageCode: string
  /** one- to five-star counts */
  ratings: [number, number, number, number, number]
  imageUrl: string
  smallImageUrl: string
}

export interface GoodbooksTag {
  tagId: number
  name: string
}

export interface GoodbooksBookTag {
  goodreadsId: number
  tagId: number
  count: number
}

type Row = Record<string, string>

/** The path of `<name>.csv.gz`, else `<name>.csv`; throws when neither exists. */
export async function resolveCsv(dir: string, name: string): Promise<string> {
  for (const file of [`${name}.csv.gz`, `${name}.csv`]) {
    const path = join(dir, file)
    try {
      await access(path)
      return path
    } catch {}
  }
  throw new GoodbooksFormatError(`neither ${name}.csv.gz nor ${name}.csv found in ${dir}`)
}

async function* readCsv(dir: string, name: string, required: string[]): AsyncGenerator<Row> {
  const path = await resolveCsv(dir, name)
  const file = createReadStream(path)
  const source: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file
  let header: string[] = []
  const parser = source.pipe(
    parse({
      columns: (names: string[]) => {
        header = names
        return names
      },
      bom: true,
      skip_empty_lines: true,
      // book_tags.csv mixes LF and CRLF lines (it was pieced together), tags.csv is CRLF: the
      // parser would otherwise guess one delimiter from the first line and keep stray "\r"s
      record_delimiter: ['\r\n', '\n'],
      // a record of the wrong length is reported by the loop below, in its place in the stream:
      // a parser error would discard the records parsed ahead of it and surface early
      relax_column_count: true,
    }),
  )
  // a gunzip error (truncated archive) is emitted on the gunzip stream, not on the parser
  source.on('error', (err) => parser.destroy(err))
  let n = 0
  try {
    for await (const row of parser as AsyncIterable<Row>) {
      n++
      if (n === 1) {
        const absent = required.filter((c) => !header.includes(c))
        if (absent.length > 0) {
          throw new GoodbooksFormatError(`${path}: missing columns ${absent.join(', ')}`)
        }
      }
      if (Object.keys(row).length !== header.length) {
        throw new GoodbooksFormatError(
          `${path} record ${n}: ${Object.keys(row).length} fields, the header has ${header.length}`,
        )
      }
      yield row
    }
  } catch (err) {
    if (err instanceof GoodbooksFormatError) throw err
    throw new GoodbooksFormatError(`${path}: ${(err as Error).message}`, { cause: err })
  } finally {
    file.destroy()
  }
}

function int(row: Row, column: string, path: string, line: number): number {
  const value = row[column] ?? ''
  // counts are written "4780653", but some exports write "4780653.0"
  if (!/^-?\d+(\.0+)?$/.test(value)) {
    throw new GoodbooksFormatError(
      `${path} record ${line}: ${column} is not an integer: ${JSON.stringify(value)}`,
    )
  }
  return Number.parseInt(value, 10)
}

const BOOK_COLUMNS = [
  'book_id',
  'goodreads_book_id',
  'isbn',
  'isbn13',
  'authors',
  'original_publication_year',
  'original_title',
  'title',
  'language_code',
  'ratings_1',
  'ratings_2',
  'ratings_3',
  'ratings_4',
  'ratings_5',
  'image_url',
  'small_image_url',
]

export async function* readBooks(dir: string): AsyncGenerator<GoodbooksBook> {
  let n = 0
  for await (const row of readCsv(dir, 'books', BOOK_COLUMNS)) {
    n++
    const at = (c: string) => int(row, c, 'books.csv', n)
    const goodreadsId = at('goodreads_book_id')
    if (goodreadsId <= 0)
      throw new GoodbooksFormatError(`books.csv record ${n}: bad goodreads_book_id`)
    yield {
      bookId: at('book_id'),
      goodreadsId,
      isbn: row.isbn!,
      isbn13: row.isbn13!,
      authors: row.authors!,
      originalPublicationYear: row.original_publication_year!,
      originalTitle: row.original_title!,
      title: row.title!,
      languageCode: row.language_code!,
      ratings: [
        at('ratings_1'),
        at('ratings_2'),
        at('ratings_3'),
        at('ratings_4'),
        at('ratings_5'),
      ],
      imageUrl: row.image_url!,
      smallImageUrl: row.small_image_url!,
    }
  }
}

export async function* readTags(dir: string): AsyncGenerator<GoodbooksTag> {
  let n = 0
  for await (const row of readCsv(dir, 'tags', ['tag_id', 'tag_name'])) {
    n++
    yield { tagId: int(row, 'tag_id', 'tags.csv', n), name: row.tag_name! }
  }
}

export async function* readBookTags(dir: string): AsyncGenerator<GoodbooksBookTag> {
  let n = 0
  for await (const row of readCsv(dir, 'book_tags', ['goodreads_book_id', 'tag_id', 'count'])) {
    n++
    const at = (c: string) => int(row, c, 'book_tags.csv', n)
    yield { goodreadsId: at('goodreads_book_id'), tagId: at('tag_id'), count: at('count') }
  }
}

/** Counts the records of a file without keeping them (tests compare against it). */
export async function countRecords(dir: string, name: string): Promise<number> {
  let n = 0
  for await (const _ of readCsv(dir, name, [])) n++
  return n
}

/**
 * A quick upper bound on the number of records (newlines minus the header) for a progress bar,
 * read without parsing so that a malformed record is still reported where the parser meets it.
 */
export async function estimateRecords(dir: string, name: string): Promise<number> {
  const path = await resolveCsv(dir, name)
  const file = createReadStream(path)
  const source: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file
  let lines = 0
  let last = 10
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      for (const byte of chunk) if (byte === 10) lines++
      last = chunk.at(-1) ?? last
    }
  } finally {
    file.destroy()
  }
  return Math.max(0, lines + (last === 10 ? 0 : 1) - 1)
}

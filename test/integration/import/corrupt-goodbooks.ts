import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

export interface Damage {
  /** put a malformed record after this many books */
  books?: number
  /** end book_tags.csv with a malformed record */
  bookTags?: boolean
}

const BOOKS = 40

/**
 * Writes a small goodbooks directory (the first 40 books, their shelves, all tags) as plain
 * .csv files — which also exercises the reader's fallback from .csv.gz — optionally damaged.
 */
export async function corruptCopy(from: string, to: string, damage: Damage): Promise<void> {
  const read = async (name: string) =>
    gunzipSync(await readFile(join(from, `${name}.csv.gz`)))
      .toString('utf8')
      .split(/\r?\n/)
      .filter((line) => line !== '')
  const [booksHeader, ...books] = await read('books')
  const kept = books.slice(0, BOOKS)
  if (damage.books !== undefined) kept.splice(damage.books, 0, '999999,42,a record cut short')
  await writeFile(join(to, 'books.csv'), `${[booksHeader, ...kept].join('\n')}\n`)

  const ids = new Set(books.slice(0, BOOKS).map((line) => line.split(',')[1]))
  const [tagsHeader, ...bookTags] = await read('book_tags')
  const shelves = bookTags.filter((line) => ids.has(line.split(',')[0]))
  if (damage.bookTags) shelves.push('3,30574,many')
  await writeFile(join(to, 'book_tags.csv'), `${[tagsHeader, ...shelves].join('\n')}\n`)

  await writeFile(join(to, 'tags.csv'), `${(await read('tags')).join('\n')}\n`)
}

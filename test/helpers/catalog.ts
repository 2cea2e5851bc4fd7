import type { Kysely } from 'kysely'
import type { DB } from '../../src/db/types.ts'

/** A book with one credited author, for tests that need something to review or shelve. */
export async function insertBookWithAuthor(
  db: Kysely<DB>,
  book: { title: string; priceCents?: number },
  author: { name: string; slug: string },
): Promise<number> {
  const { id: authorId } = await db
    .insertInto('authors')
    .values(author)
    .returning('id')
    .executeTakeFirstOrThrow()
  const { id } = await db
    .insertInto('books')
    .values({ title: book.title, price_cents: book.priceCents ?? 100 })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('book_authors')
    .values({ book_id: id, author_id: authorId, position: 1 })
    .execute()
  return id
}

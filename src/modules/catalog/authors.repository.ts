import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/types.ts'
import { bookSummaryColumns, type KeysetPosition } from './books.repository.ts'

/** Authors listed by name (case-insensitive, C collation so both engines agree). */
const NAME_KEY = sql<string>`lower(a.name) COLLATE "C"`

export class AuthorsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findPage(namePrefix: string | undefined, limit: number, after?: KeysetPosition) {
    let query = this.filtered(namePrefix)
    if (after)
      query = query.where(
        sql<boolean>`(${NAME_KEY}, a.id) > (${after.value} COLLATE "C", ${after.id})`,
      )
    return query
      .select(['a.id', 'a.name', 'a.slug', NAME_KEY.as('sort_value'), bookCount().as('book_count')])
      .orderBy(NAME_KEY)
      .orderBy('a.id')
      .limit(limit + 1)
      .execute()
  }

  async count(namePrefix: string | undefined): Promise<number> {
    const row = await this.filtered(namePrefix)
      .select(sql<number>`count(*)::int`.as('total'))
      .executeTakeFirstOrThrow()
    return row.total
  }

  async findById(id: number) {
    return this.db
      .selectFrom('authors as a')
      .select(['a.id', 'a.name', 'a.slug', bookCount().as('book_count')])
      .where('a.id', '=', id)
      .executeTakeFirst()
  }

  async findTopBooks(authorId: number, limit: number) {
    return this.db
      .selectFrom('books as b')
      .select((eb) => bookSummaryColumns(eb))
      .where('b.id', 'in', (eb) =>
        eb.selectFrom('book_authors').select('book_id').where('author_id', '=', authorId),
      )
      .orderBy('b.ratings_count', 'desc')
      .orderBy('b.id', 'desc')
      .limit(limit)
      .execute()
  }

  private filtered(namePrefix: string | undefined) {
    const query = this.db.selectFrom('authors as a')
    if (namePrefix === undefined) return query
    // prefix match on the same key as the sort index; LIKE metacharacters in input are escaped
    const pattern = `${namePrefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    return query.where(sql<boolean>`${NAME_KEY} LIKE ${pattern}`)
  }
}

function bookCount() {
  return sql<number>`(SELECT count(*)::int FROM book_authors ba WHERE ba.author_id = a.id)`
}

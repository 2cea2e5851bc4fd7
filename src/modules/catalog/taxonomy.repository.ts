import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/types.ts'
import { type BooksEb, bookSummaryColumns } from './books.repository.ts'

/** Genres and series: small reference tables that group books. */
export class TaxonomyRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async listGenres() {
    return this.genres().orderBy('g.name').execute()
  }

  async findGenreById(id: number) {
    return this.genres().where('g.id', '=', id).executeTakeFirst()
  }

  private genres() {
    return this.db
      .selectFrom('genres as g')
      .select([
        'g.id',
        'g.name',
        'g.slug',
        'g.description',
        sql<number>`(SELECT count(*)::int FROM book_genres bg WHERE bg.genre_id = g.id)`.as(
          'book_count',
        ),
      ])
  }

  async findGenreIdBySlug(slug: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('genres')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirst()
    return row?.id
  }

  async findSeriesById(id: number) {
    return this.db
      .selectFrom('series')
      .select(['id', 'name', 'slug'])
      .where('id', '=', id)
      .executeTakeFirst()
  }

  /**
   * Reading order: by position, unnumbered books (companions, guides) last; at one position the
   * single volume (no label) comes before box sets and parts ("1-7", "5, Part 1"), then by title.
   */
  async findSeriesBooks(seriesId: number) {
    return this.db
      .selectFrom('book_series as bs')
      .innerJoin('books as b', 'b.id', 'bs.book_id')
      .select((eb) => [
        // the join adds `bs` to the scope; the summary columns only read `b`
        ...bookSummaryColumns(eb as unknown as BooksEb),
        'bs.position',
        'bs.position_label',
      ])
      .where('bs.series_id', '=', seriesId)
      .orderBy(sql`bs.position NULLS LAST`)
      .orderBy(sql`bs.position_label IS NOT NULL`)
      .orderBy('b.sort_title')
      .orderBy('b.id')
      .limit(1000)
      .execute()
  }
}

import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { cleanName, slugify } from '../../import/slug.ts'
import { AuthorNotFound, GenreNotFound, SeriesNotFound } from '../catalog/catalog.errors.ts'
import { CatalogService } from '../catalog/catalog.service.ts'
import { type Invalidate, tagsForChanges } from './cache-tags.ts'
import type {
  CreateGenreBody,
  CreateNamedBody,
  UpdateGenreBody,
  UpdateNamedBody,
} from './catalog-admin.schemas.ts'
import type { NamedTable } from './catalog-writes.repository.ts'
import { writeInTransaction } from './write-transaction.ts'

/**
 * Authors, series and genres. A slug is derived from the name when none is given (as the import
 * derives them) and kept when the name changes later, so published URLs keep working. Answers
 * are the catalog's own read shapes, read in the same transaction as the write; the cache entries
 * showing the row are dropped once the write has committed.
 */
export class TaxonomyAdminService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly invalidate: Invalidate,
  ) {}

  createAuthor(input: CreateNamedBody) {
    return this.createNamed('authors', input, (catalog, id) => catalog.getAuthor(id))
  }

  updateAuthor(id: number, input: UpdateNamedBody) {
    return this.updateNamed('authors', id, input, (catalog) => catalog.getAuthor(id))
  }

  deleteAuthor(id: number) {
    return this.remove('authors', id)
  }

  createSeries(input: CreateNamedBody) {
    return this.createNamed('series', input, (catalog, id) => catalog.getSeries(id))
  }

  updateSeries(id: number, input: UpdateNamedBody) {
    return this.updateNamed('series', id, input, (catalog) => catalog.getSeries(id))
  }

  deleteSeries(id: number) {
    return this.remove('series', id)
  }

  async createGenre(input: CreateGenreBody) {
    const name = cleanName(input.name)
    const values = {
      name,
      slug: input.slug ?? slugify(name, 'genre'),
      description: input.description?.trim() || null,
    }
    const genre = await writeInTransaction(
      this.db,
      { entity: 'genre', ...values },
      async (trx, writes) => new CatalogService(trx).getGenre(await writes.insertGenre(values)),
    )
    await this.invalidate(tagsForChanges([{ t: 'genres', c: { id: [genre.id] } }]))
    return genre
  }

  async updateGenre(id: number, input: UpdateGenreBody) {
    const changes = {
      ...(input.name !== undefined ? { name: cleanName(input.name) } : {}),
      ...(input.slug !== undefined ? { slug: input.slug } : {}),
      ...(input.description !== undefined
        ? { description: input.description?.trim() || null }
        : {}),
    }
    const genre = await writeInTransaction(
      this.db,
      { entity: 'genre', id, ...changes },
      async (trx, writes) => {
        if (!(await writes.updateGenre(id, changes))) throw new GenreNotFound(id)
        return new CatalogService(trx).getGenre(id)
      },
    )
    await this.invalidate(tagsForChanges([{ t: 'genres', c: { id: [id] } }]))
    return genre
  }

  /** Genres may go while books carry them: the books just lose that genre (links cascade). */
  deleteGenre(id: number) {
    return this.remove('genres', id)
  }

  private async createNamed<T>(
    table: NamedTable,
    input: CreateNamedBody,
    read: (catalog: CatalogService, id: number) => Promise<T>,
  ) {
    const name = cleanName(input.name)
    const values = { name, slug: input.slug ?? slugify(name, ENTITY[table]) }
    const [id, answer] = await writeInTransaction(
      this.db,
      { entity: ENTITY[table], ...values },
      async (trx, writes) => {
        const id = await writes.insertNamed(table, values)
        return [id, await read(new CatalogService(trx), id)] as const
      },
    )
    await this.invalidate(tagsForChanges([{ t: table, c: { id: [id] } }]))
    return answer
  }

  private async updateNamed<T>(
    table: NamedTable,
    id: number,
    input: UpdateNamedBody,
    read: (catalog: CatalogService) => Promise<T>,
  ) {
    const changes = {
      ...(input.name !== undefined ? { name: cleanName(input.name) } : {}),
      ...(input.slug !== undefined ? { slug: input.slug } : {}),
    }
    const answer = await writeInTransaction(
      this.db,
      { entity: ENTITY[table], id, ...changes },
      async (trx, writes) => {
        if (!(await writes.updateNamed(table, id, changes))) throw new NOT_FOUND[table](id)
        return read(new CatalogService(trx))
      },
    )
    await this.invalidate(tagsForChanges([{ t: table, c: { id: [id] } }]))
    return answer
  }

  /** Authors and series with books are refused by their RESTRICT foreign keys (→ 409). */
  private async remove(table: 'authors' | 'series' | 'genres', id: number): Promise<void> {
    await writeInTransaction(this.db, { entity: ENTITY[table], id }, async (_trx, writes) => {
      if (!(await writes.deleteFrom(table, id))) throw new NOT_FOUND[table](id)
    })
    await this.invalidate(tagsForChanges([{ t: table, c: { id: [id] } }]))
  }
}

const ENTITY = { authors: 'author', series: 'series', genres: 'genre' } as const
const NOT_FOUND = { authors: AuthorNotFound, series: SeriesNotFound, genres: GenreNotFound }

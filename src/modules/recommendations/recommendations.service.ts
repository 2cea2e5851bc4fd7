import type { Kysely } from 'kysely'
import type { DB } from '../../db/types.ts'
import { BookNotFound } from '../catalog/catalog.errors.ts'
import { toBookSummary } from '../catalog/catalog.mappers.ts'
import type { BookSummary } from '../catalog/catalog.schemas.ts'
import { type PickRow, RecommendationsRepository } from './recommendations.repository.ts'
import type { Reason, RecommendationList } from './recommendations.schemas.ts'

// activity in the last 30 days (shelved, bought or rated) from which a book counts as trending
const TRENDING_ACTIVITY = 5
// "because you liked A, B": at most this many of the reader's books per pick
const MAX_BECAUSE = 2

type Genre = { id: number; name: string; slug: string }

/**
 * Personal recommendations and similar books. The database picks and orders the books
 * (recommend_for_reader, similar_books); this turns the picks into book summaries with the
 * reasons a reader can read.
 */
export class RecommendationsService {
  private readonly repository: RecommendationsRepository

  constructor(db: Kysely<DB>) {
    this.repository = new RecommendationsRepository(db)
  }

  async forReader(userId: number, limit: number): Promise<RecommendationList> {
    const picks = await this.repository.forReader(userId, limit)
    const becauseIds = [...new Set(picks.flatMap((p) => (p.because ?? []).slice(0, MAX_BECAUSE)))]
    const [books, titles, verbs, genres, activity] = await Promise.all([
      this.summaries(picks),
      this.repository.titles(becauseIds),
      this.repository.verbs(userId, becauseIds),
      this.genres(picks),
      this.repository.recentActivity(picks.filter((p) => p.tier > 1).map((p) => p.book_id)),
    ])
    const titleOf = new Map(titles.map((t) => [t.id, t.title]))
    const verbOf = new Map(verbs.map((v) => [v.book_id, v.verb]))
    const trending = new Set(
      activity.filter((a) => a.recent_activity >= TRENDING_ACTIVITY).map((a) => a.book_id),
    )
    const items = picks.flatMap((pick) => {
      const book = books.get(pick.book_id)
      if (!book) return []
      const genre = pick.genre_id === null ? undefined : genres.get(pick.genre_id)
      const reasons: Reason[] = []
      if (pick.tier === 1) {
        for (const id of (pick.because ?? []).slice(0, MAX_BECAUSE)) {
          const title = titleOf.get(id)
          if (!title) continue
          reasons.push({
            kind: 'because_you',
            text: `Because you ${verbOf.get(id) ?? 'liked'} ${title}`,
            book: { id, title },
          })
        }
        if (genre) {
          reasons.push({
            kind: 'genre_match',
            text: `In ${genre.name}, a genre you read`,
            genre,
          })
        }
      } else if (pick.tier === 2 && genre) {
        reasons.push(
          trending.has(pick.book_id)
            ? { kind: 'trending_in_genre', text: `Trending in ${genre.name}`, genre }
            : {
                kind: 'popular_in_genre',
                text: `Popular in ${genre.name}, a genre you read`,
                genre,
              },
        )
      }
      if (reasons.length === 0) {
        reasons.push(
          trending.has(pick.book_id)
            ? { kind: 'trending', text: 'Trending with readers this month' }
            : { kind: 'popular', text: 'Popular with readers' },
        )
      }
      return [{ book, reasons }]
    })
    return { items }
  }

  async similarTo(bookId: number, limit: number): Promise<RecommendationList> {
    const source = await this.repository.book(bookId)
    if (!source) throw new BookNotFound(`id ${bookId}`)
    const picks = await this.repository.similarTo(bookId, limit)
    const [books, genres] = await Promise.all([this.summaries(picks), this.genres(picks)])
    const sourceAuthors = new Set(source.author_ids ?? [])
    const items = picks.flatMap((pick) => {
      const book = books.get(pick.book_id)
      if (!book) return []
      const reasons: Reason[] = []
      const genre = pick.genre_id === null ? undefined : genres.get(pick.genre_id)
      const sharedAuthor = book.authors.find((a) => sourceAuthors.has(a.id))
      if (pick.tier === 1) {
        reasons.push({
          kind: 'co_readers',
          text: `Readers who liked ${source.title} also liked this`,
          book: { id: source.id, title: source.title },
        })
      }
      if (sharedAuthor) {
        reasons.push({
          kind: 'same_author',
          text: `Also by ${sharedAuthor.name}`,
          author: { id: sharedAuthor.id, name: sharedAuthor.name },
        })
      }
      if (pick.tier === 3 && genre) {
        reasons.push({ kind: 'same_genre', text: `Popular in ${genre.name}`, genre })
      }
      if (reasons.length === 0) reasons.push({ kind: 'popular', text: 'Popular with readers' })
      return [{ book, reasons }]
    })
    return { items }
  }

  private async summaries(picks: PickRow[]): Promise<Map<number, BookSummary>> {
    const rows = await this.repository.summaries(picks.map((p) => p.book_id))
    return new Map(rows.map((row) => [row.id, toBookSummary(row)]))
  }

  private async genres(picks: PickRow[]): Promise<Map<number, Genre>> {
    const ids = [...new Set(picks.flatMap((p) => (p.genre_id === null ? [] : [p.genre_id])))]
    const rows = await this.repository.genres(ids)
    return new Map(rows.map((g) => [g.id, g]))
  }
}

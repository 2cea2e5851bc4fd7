import { cacheTags } from './tags.ts'

/**
 * Writes made outside the API (psql, an import, another service) reach every instance as
 * `pg_notify('victoria_cache', ...)` from statement triggers (db/migrations/0005_cache_notify.sql).
 * This turns such a notification into the tags to drop.
 */
export const CACHE_CHANNEL = 'victoria_cache'

export interface ChangeNotification {
  /** the table that changed */
  t: string
  /** changed key columns and their distinct values; absent when too many rows changed */
  c?: Record<string, number[]>
  all?: boolean
}

const ids = (n: ChangeNotification, column: string) => n.c?.[column] ?? []

/** The tags a change invalidates, or null for "too much changed: drop the whole category". */
export function tagsForChange(n: ChangeNotification): string[] | null {
  if (n.all || !n.c) return null
  const tags: string[] = []
  switch (n.t) {
    case 'books':
      tags.push(cacheTags.bookLists, ...ids(n, 'id').map(cacheTags.book))
      break
    case 'authors':
      tags.push(cacheTags.bookLists, cacheTags.authorLists, ...ids(n, 'id').map(cacheTags.author))
      break
    case 'series':
      tags.push(cacheTags.bookLists, ...ids(n, 'id').map(cacheTags.series))
      break
    case 'genres':
      tags.push(cacheTags.bookLists, cacheTags.genreList, ...ids(n, 'id').map(cacheTags.genre))
      break
    case 'book_authors':
      tags.push(cacheTags.bookLists, cacheTags.authorLists)
      tags.push(
        ...ids(n, 'book_id').map(cacheTags.book),
        ...ids(n, 'author_id').map(cacheTags.author),
      )
      break
    case 'book_series':
      tags.push(cacheTags.bookLists)
      tags.push(
        ...ids(n, 'book_id').map(cacheTags.book),
        ...ids(n, 'series_id').map(cacheTags.series),
      )
      break
    case 'book_genres':
      tags.push(cacheTags.bookLists, cacheTags.genreList)
      tags.push(
        ...ids(n, 'book_id').map(cacheTags.book),
        ...ids(n, 'genre_id').map(cacheTags.genre),
      )
      break
    default:
      return null
  }
  // search results show titles, authors, series and genres of any book: a change that drops
  // book lists drops them too
  if (tags.includes(cacheTags.bookLists)) tags.push(cacheTags.search)
  return tags
}

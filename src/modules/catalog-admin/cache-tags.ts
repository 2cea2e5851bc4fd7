import { type ChangeNotification, tagsForChange } from '../../cache/db-invalidation.ts'

/**
 * What an admin write drops from the response cache, right after it commits, so the writer's
 * next read shows the change. The database triggers of 0005_cache_notify.sql announce the same
 * change to every instance a moment later; the tags come from the same mapping, so both paths
 * drop the same entries.
 */
export type Invalidate = (tags: string[]) => Promise<void>

export function tagsForChanges(changes: ChangeNotification[]): string[] {
  return [...new Set(changes.flatMap((change) => tagsForChange(change) ?? []))]
}

interface LinkedBook {
  authors: { id: number }[]
  series: { id: number }[]
  genres: { id: number }[]
}

/** A book's row and links, before and after the write (old links lose the book, new gain it). */
export function bookWriteTags(bookId: number, versions: LinkedBook[]): string[] {
  const idsOf = (pick: (book: LinkedBook) => { id: number }[]) => [
    ...new Set(versions.flatMap((book) => pick(book).map((x) => x.id))),
  ]
  return tagsForChanges([
    { t: 'books', c: { id: [bookId] } },
    { t: 'book_authors', c: { book_id: [bookId], author_id: idsOf((b) => b.authors) } },
    { t: 'book_series', c: { book_id: [bookId], series_id: idsOf((b) => b.series) } },
    { t: 'book_genres', c: { book_id: [bookId], genre_id: idsOf((b) => b.genres) } },
  ])
}

/**
 * Cache tags: what a cached response depends on. A response carries the tags of every row it
 * shows (a book detail: the book, its authors, series and genres); a change to any of those
 * rows drops it. Lists depend on too many rows to tag one by one and carry a list tag instead.
 */
export const cacheTags = {
  book: (id: number) => `book:${id}`,
  author: (id: number) => `author:${id}`,
  series: (id: number) => `series:${id}`,
  genre: (id: number) => `genre:${id}`,
  user: (id: number) => `user:${id}`,
  /** every list of books (filters, sorts and pages) */
  bookLists: 'books:lists',
  authorLists: 'authors:lists',
  genreList: 'genres:list',
  /** every search result and suggestion: dropped by the writes that drop book lists */
  search: 'search:all',
} as const

/** Tags for a response that shows these books with their authors, series and genres. */
export function tagsForBooks(
  books: {
    id: number
    authors?: { id: number }[]
    series?: { id: number }[]
    genres?: { id: number }[]
  }[],
): string[] {
  const tags = new Set<string>()
  for (const book of books) {
    tags.add(cacheTags.book(book.id))
    for (const a of book.authors ?? []) tags.add(cacheTags.author(a.id))
    for (const s of book.series ?? []) tags.add(cacheTags.series(s.id))
    for (const g of book.genres ?? []) tags.add(cacheTags.genre(g.id))
  }
  return [...tags]
}

/** One cache key per distinct query: validated (defaults applied), keys in a fixed order. */
export const canonicalQuery = (query: object) =>
  JSON.stringify(Object.entries(query).sort(([a], [b]) => (a < b ? -1 : 1)))

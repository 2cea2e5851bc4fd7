/**
 * Judged queries over the goodbooks catalog for the relevance suite (relevance.test.ts).
 * Books are named by goodreads id (the import's natural key), graded:
 *   3 = what the reader is after, 2 = clearly relevant (the rest of the series, the author's
 *   best-known books), 1 = related (a boxed set, a companion).
 * Books not listed count as 0. Judged by reading the catalog, not by running the ranking.
 */
export type JudgmentKind =
  | 'exact title'
  | 'partial title'
  | 'author'
  | 'series'
  | 'typo'
  | 'stop words'
  | 'isbn'
  | 'initials'
  | 'diacritics'

export interface Judgment {
  query: string
  kind: JudgmentKind
  grades: Record<number, 1 | 2 | 3>
}

const HARRY_POTTER = { 3: 3, 15881: 3, 5: 3, 6: 3, 2: 3, 1: 3, 136251: 3, 862041: 1 } as const
const HUNGER_GAMES = { 2767052: 3, 6148028: 3, 7260188: 3, 7938275: 1 } as const
const TOLKIEN = { 5907: 3, 34: 3, 15241: 2, 18512: 2, 33: 2, 7332: 2, 30: 1 } as const
const ROWLING = { 3: 3, 15881: 2, 5: 2, 6: 2, 2: 2, 1: 2, 136251: 2, 3950967: 1 } as const
const STEPHEN_KING = {
  11588: 3,
  18342: 3,
  149267: 3,
  10592: 2,
  10614: 2,
  43615: 2,
  10644930: 2,
  10583: 2,
  11566: 2,
} as const

export const JUDGMENTS: Judgment[] = [
  // exact titles
  {
    query: 'The Hunger Games',
    kind: 'exact title',
    grades: { 2767052: 3, 7938275: 2, 6148028: 1, 7260188: 1 },
  },
  { query: 'To Kill a Mockingbird', kind: 'exact title', grades: { 2657: 3 } },
  { query: 'The Great Gatsby', kind: 'exact title', grades: { 4671: 3 } },
  { query: 'Pride and Prejudice', kind: 'exact title', grades: { 1885: 3 } },
  { query: 'The Catcher in the Rye', kind: 'exact title', grades: { 5107: 3 } },
  { query: 'Animal Farm', kind: 'exact title', grades: { 7613: 3, 5472: 1 } },
  { query: 'The Kite Runner', kind: 'exact title', grades: { 77203: 3 } },
  { query: 'Gone Girl', kind: 'exact title', grades: { 8442457: 3 } },
  { query: 'The Book Thief', kind: 'exact title', grades: { 19063: 3 } },
  { query: 'Brave New World', kind: 'exact title', grades: { 5129: 3 } },
  { query: '1984', kind: 'exact title', grades: { 5470: 3, 5472: 1 } },
  { query: 'Fahrenheit 451', kind: 'exact title', grades: { 4381: 3 } },
  { query: 'The Da Vinci Code', kind: 'exact title', grades: { 968: 3, 643301: 1 } },
  // partial titles
  { query: 'mockingbird', kind: 'partial title', grades: { 2657: 3 } },
  { query: 'gatsby', kind: 'partial title', grades: { 4671: 3 } },
  { query: 'dragon tattoo', kind: 'partial title', grades: { 2429135: 3 } },
  { query: "sorcerer's stone", kind: 'partial title', grades: { 3: 3 } },
  { query: 'fault in our stars', kind: 'partial title', grades: { 11870085: 3 } },
  { query: "hitchhiker's guide", kind: 'partial title', grades: { 11: 3 } },
  { query: 'chamber of secrets', kind: 'partial title', grades: { 15881: 3 } },
  // authors
  { query: 'stephen king', kind: 'author', grades: STEPHEN_KING },
  {
    query: 'jane austen',
    kind: 'author',
    grades: { 1885: 3, 14935: 3, 6969: 2, 2156: 2, 50398: 2, 45032: 2 },
  },
  {
    query: 'dan brown',
    kind: 'author',
    grades: { 960: 3, 968: 3, 976: 2, 11125: 2, 6411961: 2, 17212231: 2 },
  },
  { query: 'suzanne collins', kind: 'author', grades: HUNGER_GAMES },
  {
    query: 'john green',
    kind: 'author',
    grades: { 11870085: 3, 99561: 3, 6442769: 2, 49750: 2, 6567017: 1 },
  },
  {
    query: 'agatha christie',
    kind: 'author',
    grades: { 16299: 3, 16304: 3, 16343: 2, 16331: 2, 16328: 2, 131359: 2 },
  },
  // series
  { query: 'harry potter', kind: 'series', grades: HARRY_POTTER },
  { query: 'hunger games', kind: 'series', grades: HUNGER_GAMES },
  {
    query: 'lord of the rings',
    kind: 'series',
    grades: { 34: 3, 15241: 3, 18512: 3, 33: 3, 30: 1 },
  },
  {
    query: 'percy jackson',
    kind: 'series',
    grades: { 28187: 3, 28186: 2, 561456: 2, 2120932: 2, 4502507: 2, 3165162: 1 },
  },
  {
    query: 'narnia',
    kind: 'series',
    grades: { 100915: 3, 11127: 3, 65605: 2, 121749: 2, 140225: 2 },
  },
  {
    query: 'twilight',
    kind: 'series',
    // six books are titled Twilight: the novel, its companion guide, the graphic novels, and
    // two from other series
    grades: { 41865: 3, 49041: 2, 428263: 2, 1162543: 2, 3609760: 1, 7619292: 1, 11450360: 1 },
  },
  // typos
  { query: 'hary poter', kind: 'typo', grades: HARRY_POTTER },
  { query: 'the hobit', kind: 'typo', grades: { 5907: 3 } },
  { query: 'to kil a mockinbird', kind: 'typo', grades: { 2657: 3 } },
  { query: 'stephen kng', kind: 'typo', grades: STEPHEN_KING },
  { query: 'pride and prejudise', kind: 'typo', grades: { 1885: 3 } },
  { query: 'fahrenhiet 451', kind: 'typo', grades: { 4381: 3 } },
  { query: 'hungr games', kind: 'typo', grades: HUNGER_GAMES },
  // titles made of stop words
  { query: 'It', kind: 'stop words', grades: { 18342: 3 } },
  { query: 'Me Before You', kind: 'stop words', grades: { 15507958: 3 } },
  { query: 'Us', kind: 'stop words', grades: { 21423525: 3 } },
  { query: 'We', kind: 'stop words', grades: { 76171: 3 } },
  { query: 'You', kind: 'stop words', grades: { 20821614: 3 } },
  { query: 'Room', kind: 'stop words', grades: { 7937843: 3 } },
  { query: 'One Day', kind: 'stop words', grades: { 6280118: 3 } },
  { query: 'The Road', kind: 'stop words', grades: { 6288: 3 } },
  { query: 'It Ends with Us', kind: 'stop words', grades: { 27362503: 3 } },
  // ISBNs, as printed or compact
  { query: '9780439023481', kind: 'isbn', grades: { 2767052: 3 } },
  { query: '0439554934', kind: 'isbn', grades: { 3: 3 } },
  { query: '978-0-618-26030-0', kind: 'isbn', grades: { 5907: 3 } },
  { query: '0-316-01584-9', kind: 'isbn', grades: { 41865: 3 } },
  // author initials, with or without dots and spaces
  { query: 'JRR Tolkien', kind: 'initials', grades: TOLKIEN },
  { query: 'J R R Tolkien', kind: 'initials', grades: TOLKIEN },
  { query: 'J.R.R. Tolkien', kind: 'initials', grades: TOLKIEN },
  { query: 'jk rowling', kind: 'initials', grades: ROWLING },
  { query: 'J. K. Rowling', kind: 'initials', grades: ROWLING },
  {
    query: 'cs lewis',
    kind: 'initials',
    grades: { 100915: 3, 11127: 2, 65605: 2, 11149: 2, 11138: 2, 121749: 1 },
  },
  {
    query: 'george rr martin',
    kind: 'initials',
    grades: { 13496: 3, 10572: 2, 62291: 2, 13497: 2, 10664113: 2 },
  },
  { query: 'F Scott Fitzgerald', kind: 'initials', grades: { 4671: 3, 46164: 2, 46165: 1 } },
  // diacritics typed or left out
  { query: 'les miserables', kind: 'diacritics', grades: { 24280: 3 } },
  { query: 'garcia marquez', kind: 'diacritics', grades: { 320: 3, 9712: 3, 23878: 2, 760: 1 } },
  {
    query: 'Gabriel García Márquez',
    kind: 'diacritics',
    grades: { 320: 3, 9712: 3, 23878: 2, 760: 1 },
  },
  { query: 'Charlotte Bronte', kind: 'diacritics', grades: { 10210: 3, 31173: 2, 31168: 1 } },
  { query: 'saint-exupery', kind: 'diacritics', grades: { 157993: 3 } },
  { query: 'zafon', kind: 'diacritics', grades: { 1232: 3, 4912857: 2, 13623012: 2 } },
  { query: 'Süskind perfume', kind: 'diacritics', grades: { 343: 3 } },
  { query: 'jose saramago', kind: 'diacritics', grades: { 2526: 3, 3018539: 2, 28859: 2 } },
]

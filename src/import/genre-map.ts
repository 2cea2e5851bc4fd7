/**
 * The curated genres and the Goodreads shelf names (tags.csv) that vote for each. Shelves are
 * free-form user labels; only the ones below say something about genre. "to-read", "favorites",
 * "owned", "kindle", "book-club", "fiction", "adult", "drama", year and author shelves are ignored.
 * A shelf may vote for two genres ("mystery-thriller", "sci-fi-fantasy").
 */

export interface GenreDefinition {
  name: string
  slug: string
  description: string
  shelves: string[]
}

const genre = (name: string, slug: string, description: string, shelves: string) => ({
  name,
  slug,
  description,
  shelves: shelves.trim().split(/\s+/),
})

export const GENRES: GenreDefinition[] = [
  genre(
    'Fantasy',
    'fantasy',
    'Magic, invented worlds and the creatures in them.',
    `
    fantasy urban-fantasy ya-fantasy epic-fantasy high-fantasy magic sci-fi-fantasy
    fantasy-sci-fi sff fairy-tales fairytales`,
  ),
  genre(
    'Science Fiction',
    'science-fiction',
    'Stories built on science and technology: space, the future, time travel.',
    `
    science-fiction sci-fi scifi sf sci-fi-fantasy fantasy-sci-fi sff space space-opera
    time-travel cyberpunk aliens`,
  ),
  genre(
    'Dystopian',
    'dystopian',
    'Oppressive or collapsed societies, and the people who resist them.',
    `
    dystopian dystopia post-apocalyptic apocalyptic ya-dystopian`,
  ),
  genre(
    'Paranormal',
    'paranormal',
    'Vampires, werewolves, ghosts and the supernatural among us.',
    `
    paranormal supernatural vampires vampire werewolves ghosts paranormal-romance angels
    demons witches`,
  ),
  genre(
    'Horror',
    'horror',
    'Stories meant to frighten and unsettle.',
    `
    horror mystery-thriller-horror zombies`,
  ),
  genre(
    'Mystery',
    'mystery',
    'Crimes to solve: detectives, whodunits, cozy and police mysteries.',
    `
    mystery mysteries crime mystery-thriller mystery-suspense crime-mystery
    mystery-crime thriller-mystery murder-mystery mystery-thrillers crime-fiction
    mystery-thriller-suspense crime-mystery-thriller ya-mystery detective cozy-mystery`,
  ),
  genre(
    'Thriller',
    'thriller',
    'Suspense, danger and a race against time.',
    `
    thriller thrillers suspense mystery-thriller suspense-thriller
    psychological-thriller crime-thriller thriller-mystery thriller-suspense
    legal-thriller mystery-thrillers mystery-thriller-suspense crime-mystery-thriller
    romantic-suspense spy espionage`,
  ),
  genre(
    'Romance',
    'romance',
    'Love stories, from sweet to steamy.',
    `
    romance contemporary-romance ya-romance college-romance adult-romance
    new-adult-romance young-adult-romance teen-romance erotic-romance
    romance-contemporary sports-romance historical-romance paranormal-romance
    love-stories chick-lit chicklit chic-lit new-adult erotica`,
  ),
  genre(
    'Historical Fiction',
    'historical-fiction',
    'Novels set in a real past.',
    `
    historical-fiction historical historic-fiction historical-fic fiction-historical
    ya-historical-fiction ya-historical historical-romance`,
  ),
  genre(
    'Classics',
    'classics',
    'Books that have lasted: the canon and the modern classics.',
    `
    classics classic classic-literature modern-classics classic-fiction classic-lit
    the-classics clàssics american-classics children-s-classics childrens-classics`,
  ),
  genre(
    'Literary Fiction',
    'literary-fiction',
    'Character- and language-driven fiction.',
    `
    literary-fiction literary magical-realism`,
  ),
  genre(
    'Contemporary',
    'contemporary',
    'Realistic fiction about life today.',
    `
    contemporary contemporary-fiction realistic-fiction ya-contemporary contemporary-ya
    contemporary-realistic-fiction realistic contemporary-lit contemporary-literature
    womens-fiction women-s-fiction`,
  ),
  genre(
    'Young Adult',
    'young-adult',
    'Written for teenage readers.',
    `
    young-adult ya ya-fiction ya-lit ya-books teen teen-fiction young-adult-fiction
    youngadult young-adult-lit young-adult-books teen-books teens teen-lit teenlit
    ya-novels young-adult-literature ya-contemporary contemporary-ya ya-romance
    young-adult-romance ya-fantasy ya-dystopian`,
  ),
  genre(
    "Children's",
    'childrens',
    'Picture books, chapter books and middle grade.',
    `
    childrens children children-s children-s-books childrens-books kids kids-books
    kid-lit kidlit juvenile juvenile-fiction children-s-literature children-s-lit
    childrens-lit childrens-literature children-s-fiction children-books
    childrens-fiction middle-grade middle-grades middle-grade-fiction picture-books
    picture-book picturebooks chapter-books`,
  ),
  genre(
    'Graphic Novels',
    'graphic-novels',
    'Comics, manga and graphic novels.',
    `
    graphic-novels graphic-novel comics comic manga comics-graphic-novels
    graphic-novels-comics comics-and-graphic-novels graphic-novels-and-comics
    graphicnovels graphic-novels-manga manga-graphic-novels comic-books manga-comics`,
  ),
  genre(
    'Humor',
    'humor',
    'Books that set out to make you laugh.',
    `
    humor humour funny comedy humorous dark-humor`,
  ),
  genre(
    'Poetry',
    'poetry',
    'Poems and verse.',
    `
    poetry poems poesia`,
  ),
  genre(
    'Nonfiction',
    'nonfiction',
    'True stories, ideas and information.',
    `
    non-fiction nonfiction non-fic nonfic adult-non-fiction adult-nonfiction
    historical-non-fiction true-crime essays`,
  ),
  genre(
    'Biography & Memoir',
    'biography-memoir',
    'Lives, told by others or by themselves.',
    `
    biography memoir memoirs autobiography biographies biography-memoir memoir-biography
    biographies-memoirs biography-autobiography bio-memoir autobiography-memoir
    memoirs-biographies auto-biography autobiographies memoir-autobiography
    biography-and-memoir biographies-and-memoirs memoir-bio`,
  ),
  genre(
    'History',
    'history',
    'Nonfiction about the past.',
    `
    history american-history us-history world-history military-history history-american
    historical-non-fiction history-biography`,
  ),
  genre(
    'Science',
    'science',
    'Popular science: physics, biology, medicine, nature.',
    `
    science popular-science physics biology medicine evolution neuroscience nature`,
  ),
  genre(
    'Philosophy',
    'philosophy',
    'Questions of knowledge, ethics and meaning.',
    `
    philosophy`,
  ),
  genre(
    'Psychology',
    'psychology',
    'How minds work, and what happens when they do not.',
    `
    psychology psych mental-health mental-illness neuroscience`,
  ),
  genre(
    'Self-Help',
    'self-help',
    'Advice for living, working and changing habits.',
    `
    self-help self-improvement personal-development productivity inspirational`,
  ),
  genre(
    'Business',
    'business',
    'Work, money, management and economics.',
    `
    business economics finance leadership management entrepreneurship`,
  ),
  genre(
    'Religion & Spirituality',
    'religion',
    'Faith, scripture, theology and spiritual life.',
    `
    religion religious christian christianity christian-fiction christian-books
    spirituality spiritual faith theology buddhism`,
  ),
  genre(
    'Travel',
    'travel',
    'Journeys and places.',
    `
    travel travel-writing travelogue`,
  ),
  genre(
    'Adventure',
    'adventure',
    'Quests, journeys and action.',
    `
    adventure action-adventure action survival`,
  ),
]

/** shelf name → genre slugs it votes for */
export const SHELF_GENRES: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>()
  for (const genre of GENRES) {
    for (const shelf of genre.shelves) map.set(shelf, [...(map.get(shelf) ?? []), genre.slug])
  }
  return map
})()

/**
 * Which genres a book belongs to, from its summed shelf counts per genre (weight = the sum).
 * A genre qualifies when it reaches 15% of the book's strongest genre and at least
 * MIN_SHELVINGS readers. Relative, because counts scale with popularity (a bestseller's stray
 * shelves outnumber an obscure book's main genre); 15%, because below it sit the stray labels
 * (To Kill a Mockingbird: classics 43k, young-adult 3k) while real secondary genres reach it
 * (The Book Thief: historical-fiction 17k, young-adult 14k); an absolute floor, so a handful of
 * readers cannot make a genre. On goodbooks this gives 2.7 genres per tagged book on average.
 */
export const RELATIVE_THRESHOLD = 0.15
export const MIN_SHELVINGS = 25

export function pickGenres(weights: ReadonlyMap<string, number>): Map<string, number> {
  const top = Math.max(0, ...weights.values())
  const floor = Math.max(MIN_SHELVINGS, top * RELATIVE_THRESHOLD)
  const picked = new Map<string, number>()
  for (const [slug, weight] of weights) if (weight >= floor) picked.set(slug, weight)
  return picked
}

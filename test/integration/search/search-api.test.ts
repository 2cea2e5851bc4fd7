import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp } from '../../helpers/app.ts'
import { insertBookWithAuthor } from '../../helpers/catalog.ts'
import { assertProblem } from '../../helpers/problem.ts'

/** GET /api/search and /api/search/suggest on the goodbooks catalog. */

const { app, db } = await buildTestApp({ after }, { seed: true })

interface Hit {
  book: {
    id: number
    title: string
    authors: { name: string }[]
    language: string | null
    originalPublicationYear: number | null
    averageRating: number | null
    ratingsCount: number
  }
  highlights: { title: string; authors: string; series: string | null; description: string | null }
  score?: number
  reasons?: { kind: string; field?: string; terms?: string[]; value?: number }[]
}
interface SearchBody {
  query: string
  items: Hit[]
  nextCursor: string | null
  total: number
  facets: {
    genres: { slug: string; name: string; count: number }[]
    languages: { language: string; count: number }[]
    decades: { decade: number; count: number }[]
  }
  didYouMean: string | null
}

async function search(query: Record<string, string>) {
  const response = await app.inject({ url: '/api/search', query })
  assert.equal(response.statusCode, 200, response.body)
  return response.json() as SearchBody
}

const titles = (body: SearchBody) => body.items.map((hit) => hit.book.title)

describe('matching', () => {
  test('finds a title, the famous book first, with its words highlighted', async () => {
    const body = await search({ q: 'harry potter' })
    assert.equal(body.items[0]!.book.title, "Harry Potter and the Sorcerer's Stone")
    assert.ok(body.total >= 7)
    assert.equal(
      body.items[0]!.highlights.title,
      '<mark>Harry</mark> <mark>Potter</mark> and the Sorcerer&#39;s Stone',
    )
    assert.equal(body.didYouMean, null)
  })

  test('an exact phrase, an exclusion and OR follow websearch syntax', async () => {
    const phrase = await search({ q: '"the hobbit"', limit: '50' })
    assert.ok(titles(phrase).includes('The Hobbit'))
    assert.ok(titles(phrase).every((t) => /the hobbit/i.test(t) || t.includes('Tolkien')))

    const excluded = await search({ q: 'hunger games -catching', limit: '50' })
    assert.ok(titles(excluded).includes('The Hunger Games'))
    assert.ok(!titles(excluded).includes('Catching Fire'))

    const either = await search({ q: 'mockingjay OR gatsby', limit: '50' })
    assert.ok(titles(either).includes('Mockingjay'))
    assert.ok(titles(either).includes('The Great Gatsby'))
  })

  test('titles made of stop words are found, the exact title first', async () => {
    for (const [q, title] of [
      ['It', 'It'],
      ['Me Before You', 'Me Before You'],
      ['We', 'We'],
    ]) {
      const body = await search({ q: q! })
      assert.equal(body.items[0]?.book.title, title, q)
    }
  })

  test('accents are ignored both ways, and initials match with or without dots', async () => {
    const plain = await search({ q: 'les miserables' })
    assert.equal(plain.items[0]!.book.title, 'Les Misérables')
    assert.match(plain.items[0]!.highlights.title, /<mark>Misérables<\/mark>/)
    const accented = await search({ q: 'Zafón' })
    assert.equal(accented.items[0]!.book.title, 'The Shadow of the Wind')

    const forms = ['J.R.R. Tolkien', 'JRR Tolkien', 'J R R Tolkien', 'j. r. r. tolkien']
    const results = await Promise.all(forms.map((q) => search({ q })))
    for (const body of results) {
      assert.deepEqual(titles(body), titles(results[0]!))
      assert.ok(titles(body).slice(0, 3).includes('The Hobbit'))
    }
  })

  test('an ISBN (either form, hyphens allowed) returns its book first', async () => {
    for (const q of ['9780439023481', '0439023483', '978-0-439-02348-1']) {
      const body = await search({ q })
      assert.equal(body.items[0]?.book.title, 'The Hunger Games', q)
    }
  })

  test('a typo falls back to the closest title, author or series (didYouMean)', async () => {
    const body = await search({ q: 'hary poter' })
    assert.equal(body.didYouMean, 'Harry Potter')
    assert.equal(body.query, 'hary poter')
    assert.equal(body.items[0]!.book.title, "Harry Potter and the Sorcerer's Stone")

    // the corrected results page on with the same q
    const first = await search({ q: 'hary poter', limit: '3' })
    const second = await search({ q: 'hary poter', limit: '3', cursor: first.nextCursor! })
    assert.equal(second.didYouMean, 'Harry Potter')
    assert.equal(second.items.length, 3)
    const ids = [...first.items, ...second.items].map((h) => h.book.id)
    assert.equal(new Set(ids).size, 6)

    const author = await search({ q: 'stephen kng' })
    assert.equal(author.didYouMean, 'Stephen King')
    assert.ok(author.items.every((hit) => hit.book.authors.some((a) => a.name === 'Stephen King')))
  })

  test('a query of punctuation or operators only finds nothing, without an error', async () => {
    for (const q of ['!!!', '"" -', '&|!()', ':*', '- ! | <->']) {
      const body = await search({ q })
      assert.equal(body.total, 0, q)
      assert.deepEqual(body.items, [])
    }
  })

  test('highlights are HTML-escaped', async () => {
    const id = await insertBookWithAuthor(
      db,
      { title: 'Zyxwv <script>alert(1)</script> & Friends' },
      { name: 'Quorble Test', slug: 'quorble-test' },
    )
    const body = await search({ q: 'zyxwv' })
    assert.equal(body.items[0]!.book.id, id)
    assert.equal(
      body.items[0]!.highlights.title,
      '<mark>Zyxwv</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; Friends',
    )
  })
})

describe('filters, facets, sorting and pages', () => {
  test('facet counts describe the filtered result and add up to its total', async () => {
    const body = await search({ q: 'love', language: 'eng', yearFrom: '1990', yearTo: '2009' })
    assert.ok(body.total > 10)
    assert.deepEqual(
      body.facets.languages.map((l) => l.language),
      ['eng'],
    )
    const decades = body.facets.decades.map((d) => d.decade).sort()
    assert.deepEqual(decades, [1990, 2000])
    assert.equal(
      body.facets.decades.reduce((sum, d) => sum + d.count, 0),
      body.total,
    )
    for (const hit of body.items) {
      assert.equal(hit.book.language, 'eng')
      assert.ok(
        hit.book.originalPublicationYear! >= 1990 && hit.book.originalPublicationYear! <= 2009,
      )
    }
    // a genre facet's count is what filtering by that genre finds
    const genre = (await search({ q: 'love' })).facets.genres[0]!
    const byGenre = await search({ q: 'love', genre: genre.slug })
    assert.equal(byGenre.total, genre.count)
  })

  test('author and minimum rating filters', async () => {
    const king = await db
      .selectFrom('authors')
      .select('id')
      .where('name', '=', 'Stephen King')
      .executeTakeFirstOrThrow()
    const body = await search({ q: 'the', author: String(king.id), minRating: '4', limit: '50' })
    assert.ok(body.total > 0)
    for (const hit of body.items) {
      assert.ok(hit.book.authors.some((a) => a.name === 'Stephen King'))
      assert.ok(hit.book.averageRating! >= 4)
    }
  })

  test('the cursor walks every match once, in order, for each sort', async () => {
    for (const sort of ['relevance', 'popular', 'rating', 'newest']) {
      const seen: Hit[] = []
      let cursor: string | null = null
      let first: SearchBody | undefined
      do {
        const page: SearchBody = await search({
          q: 'king',
          sort,
          limit: '7',
          ...(cursor ? { cursor } : {}),
        })
        first ??= page
        seen.push(...page.items)
        cursor = page.nextCursor
      } while (cursor)
      assert.equal(seen.length, first!.total, sort)
      assert.equal(new Set(seen.map((h) => h.book.id)).size, seen.length, `${sort}: no repeats`)
      const key = (h: Hit) =>
        sort === 'popular'
          ? h.book.ratingsCount
          : sort === 'rating'
            ? (h.book.averageRating ?? 0)
            : sort === 'newest'
              ? (h.book.originalPublicationYear ?? -32768)
              : 0
      for (let i = 1; i < seen.length; i++) {
        assert.ok(key(seen[i - 1]!) >= key(seen[i]!), `${sort} order at ${i}`)
      }
    }
  })

  test('explain=true says which fields matched and what the boosts were', async () => {
    const body = await search({ q: 'tolkien hobbit', explain: 'true', limit: '3' })
    const hobbit = body.items.find((h) => h.book.title === 'The Hobbit')!
    assert.equal(typeof hobbit.score, 'number')
    const fields = hobbit.reasons!.filter((r) => r.kind === 'match').map((r) => r.field)
    assert.deepEqual(fields.sort(), ['authors', 'title'])
    assert.deepEqual(hobbit.reasons!.find((r) => r.field === 'title')!.terms, ['hobbit'])
    const boost = hobbit.reasons!.find((r) => r.kind === 'popularity')!
    assert.ok(boost.value! > 0)
    // without explain the hits carry neither
    const plain = await search({ q: 'tolkien hobbit', limit: '3' })
    assert.equal(plain.items[0]!.reasons, undefined)
    assert.equal(plain.items[0]!.score, undefined)
  })
})

describe('validation', () => {
  const bad: [string, Record<string, string>][] = [
    ['no q', {}],
    ['empty q', { q: '' }],
    ['q over 200 characters', { q: 'x'.repeat(201) }],
    ['limit 0', { q: 'a', limit: '0' }],
    ['limit 101', { q: 'a', limit: '101' }],
    ['unknown sort', { q: 'a', sort: 'title' }],
    ['unknown parameter', { q: 'a', page: '2' }],
    ['year out of range', { q: 'a', yearFrom: '99999' }],
    ['rating over 5', { q: 'a', minRating: '6' }],
  ]
  for (const [name, query] of bad) {
    test(`400 for ${name}`, async () => {
      assertProblem(await app.inject({ url: '/api/search', query }), 400, 'VALIDATION_FAILED')
    })
  }

  test('400 for a year range that ends before it starts, a bad cursor, an unknown genre', async () => {
    assertProblem(
      await app.inject({ url: '/api/search', query: { q: 'a', yearFrom: '2000', yearTo: '1990' } }),
      400,
      'INVALID_RANGE',
    )
    assertProblem(
      await app.inject({ url: '/api/search', query: { q: 'love', cursor: 'garbage' } }),
      400,
      'INVALID_CURSOR',
    )
    const page = await search({ q: 'love', sort: 'popular', limit: '2' })
    assertProblem(
      await app.inject({
        url: '/api/search',
        query: { q: 'love', sort: 'rating', cursor: page.nextCursor! },
      }),
      400,
      'INVALID_CURSOR',
    )
    assertProblem(
      await app.inject({ url: '/api/search', query: { q: 'a', genre: 'no-such-genre' } }),
      400,
      'UNKNOWN_GENRE',
    )
  })

  test('suggest: 400 for an empty or long q and a limit over 10', async () => {
    for (const query of [{}, { q: '' }, { q: 'x'.repeat(101) }, { q: 'a', limit: '11' }] as Record<
      string,
      string
    >[]) {
      assertProblem(
        await app.inject({ url: '/api/search/suggest', query }),
        400,
        'VALIDATION_FAILED',
      )
    }
  })
})

describe('suggestions', () => {
  async function suggest(q: string) {
    const response = await app.inject({ url: '/api/search/suggest', query: { q } })
    assert.equal(response.statusCode, 200, response.body)
    return response.json() as {
      books: { title: string }[]
      authors: { name: string; bookCount: number }[]
      series: { name: string }[]
    }
  }

  test('are grouped by kind and complete a prefix, most popular first', async () => {
    const body = await suggest('harry pot')
    assert.equal(body.books[0]!.title, "Harry Potter and the Sorcerer's Stone")
    assert.equal(body.series[0]!.name, 'Harry Potter')
    const king = await suggest('stephen ki')
    assert.equal(king.authors[0]!.name, 'Stephen King')
    assert.ok(king.authors[0]!.bookCount > 50)
  })

  test('one or two letters complete the start of a name', async () => {
    const body = await suggest('ha')
    assert.ok(body.books.length > 0)
    for (const book of body.books) assert.match(book.title, /^ha/i)
    assert.equal(body.books[0]!.title, "Harry Potter and the Sorcerer's Stone")
  })

  test('forgive a typo and accents', async () => {
    assert.equal((await suggest('hary poter')).series[0]!.name, 'Harry Potter')
    assert.equal((await suggest('garcia marq')).authors[0]!.name, 'Gabriel García Márquez')
  })

  test('LIKE wildcards in the text are taken literally', async () => {
    const body = await suggest('%%%')
    assert.deepEqual(body.books, [])
    assert.deepEqual(body.authors, [])
  })
})

describe('freshness', () => {
  test('new, edited, relinked and deleted books are searchable at once', async () => {
    const id = await insertBookWithAuthor(
      db,
      { title: 'Quillithorpe Gardens' },
      { name: 'Ottoline Brackenbury', slug: 'ottoline-brackenbury' },
    )
    assert.deepEqual(
      (await search({ q: 'quillithorpe' })).items.map((h) => h.book.id),
      [id],
    )
    assert.equal((await search({ q: 'brackenbury quillithorpe' })).total, 1)

    await db.updateTable('books').set({ title: 'Vellichor Gardens' }).where('id', '=', id).execute()
    await app.cache.clearAll()
    assert.equal((await search({ q: 'quillithorpe' })).total, 0)
    assert.equal((await search({ q: 'vellichor' })).items[0]?.book.id, id)

    // an author renamed: the book is found by the new name
    await sql`UPDATE authors SET name = 'Ottoline Featherstonehaugh'
              WHERE slug = 'ottoline-brackenbury'`.execute(db)
    await app.cache.clearAll()
    assert.equal((await search({ q: 'featherstonehaugh' })).items[0]?.book.id, id)

    // a series linked in a transaction with other writes: counted once it commits
    await db.transaction().execute(async (trx) => {
      const series = await trx
        .insertInto('series')
        .values({ name: 'Wintersmoke Chronicles', slug: 'wintersmoke-chronicles' })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx.insertInto('book_series').values({ book_id: id, series_id: series.id }).execute()
    })
    await app.cache.clearAll()
    const bySeries = await search({ q: 'wintersmoke' })
    assert.equal(bySeries.items[0]?.book.id, id)
    assert.equal(bySeries.items[0]?.highlights.series, '<mark>Wintersmoke</mark> Chronicles')

    await db.deleteFrom('book_series').where('book_id', '=', id).execute()
    await db.deleteFrom('books').where('id', '=', id).execute()
    await app.cache.clearAll()
    assert.equal((await search({ q: 'vellichor' })).total, 0)
    const leftovers = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM search_dirty)::int + (SELECT count(*) FROM search_pending)::int AS n`.execute(
      db,
    )
    assert.equal(leftovers.rows[0]!.n, 0, 'no marks left behind after commit')
  })

  test('a cached search is dropped when a book changes', async () => {
    const id = await insertBookWithAuthor(
      db,
      { title: 'Brindlewhistle Manor' },
      { name: 'Perpetua Wolvercote', slug: 'perpetua-wolvercote' },
    )
    const first = await app.inject({ url: '/api/search', query: { q: 'brindlewhistle' } })
    assert.equal(first.headers['x-cache'], 'MISS')
    const again = await app.inject({ url: '/api/search', query: { q: 'brindlewhistle' } })
    assert.equal(again.headers['x-cache'], 'HIT')

    await db
      .updateTable('books')
      .set({ title: 'Brindlewhistle Abbey' })
      .where('id', '=', id)
      .execute()
    // the change reaches the cache through the database notification
    let body: SearchBody | undefined
    for (let i = 0; i < 100; i++) {
      const response = await app.inject({ url: '/api/search', query: { q: 'brindlewhistle' } })
      body = response.json() as SearchBody
      if (body.items[0]?.book.title === 'Brindlewhistle Abbey') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal(body?.items[0]?.book.title, 'Brindlewhistle Abbey')
  })
})

import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { cleanBody, cleanTitle } from '../../../src/lib/plain-text.ts'
import { buildTestApp } from '../../helpers/app.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { registerUser } from '../../helpers/users.ts'
import { bookPicker } from './reviews-support.ts'

/** Titles and texts are stored as plain text: no markup, no control characters, bounded. */

const { app, db } = await buildTestApp({ after }, { seed: true })
const pickBooks = bookPicker(db)

async function submit(payload: { rating?: number; title?: string | null; body?: string | null }) {
  const user = await registerUser(app)
  const [bookId] = await pickBooks(1)
  return app.inject({
    method: 'POST',
    url: `/api/books/${bookId}/reviews`,
    payload: { rating: 3, ...payload },
    headers: user.headers,
  })
}

async function stored(payload: { title?: string | null; body?: string | null }) {
  const response = await submit(payload)
  assert.equal(response.statusCode, 201, response.body)
  const review = response.json()
  const row = await sql<{ title: string | null; body: string | null; body_length: number }>`
    SELECT title, body, length(body) AS body_length FROM reviews WHERE id = ${review.id}`.execute(
    db,
  )
  assert.equal(review.title, row.rows[0]!.title)
  assert.equal(review.body, row.rows[0]!.body)
  return row.rows[0]!
}

const CASES: [string, string, string | null][] = [
  [
    'tags are removed, paragraphs become lines',
    '<p>Great <b>book</b></p><p>Second <a href="x" onclick="y()">part</a></p>',
    'Great book\nSecond part',
  ],
  ['line breaks are kept', 'one<br>two<br/>three', 'one\ntwo\nthree'],
  [
    'scripts and styles go with their content',
    '<script>alert(1)</script><style>p{}</style>Nice',
    'Nice',
  ],
  [
    'entities are decoded to the characters they stand for',
    'Tom &amp; Jerry &lt;3 caf&eacute; &#x1F600;',
    'Tom & Jerry <3 café 😀',
  ],
  [
    'markup smuggled in as entities does not come back',
    '&lt;img src=x onerror=alert(1)&gt;Hi &amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt;',
    'Hi',
  ],
  ['plain comparisons survive', 'a < b && c > d, 1 <2 and 3> 2', 'a < b && c > d, 1 <2 and 3> 2'],
  ['control characters are removed', 'a\u0000b\u0007c\u001b[31md\u007f\u0085e', 'abc[31mde'],
  ['bidirectional overrides are removed', 'abc\u202Egnp.exe\u2066x\u2069', 'abcgnp.exex'],
  [
    'Windows line ends and blank-line runs are tidied',
    'one\r\n\r\n\r\n\r\ntwo  \t three\r\n',
    'one\n\ntwo three',
  ],
  ['nothing left is no text at all', '<b> </b>\u0000 \n ', null],
]

describe('review text is stored as plain text', () => {
  for (const [name, input, expected] of CASES) {
    test(name, async () => {
      assert.equal((await stored({ body: input })).body, expected)
    })
  }

  test('a title is one line', async () => {
    const row = await stored({ title: '  <h1>Best\n\nbook</h1>\tever ' })
    assert.equal(row.title, 'Best book ever')
  })

  test('changes are cleaned the same way', async () => {
    const user = await registerUser(app)
    const [bookId] = await pickBooks(1)
    const created = await app.inject({
      method: 'POST',
      url: `/api/books/${bookId}/reviews`,
      payload: { rating: 4 },
      headers: user.headers,
    })
    const changed = await app.inject({
      method: 'PATCH',
      url: `/api/reviews/${created.json().id}`,
      payload: { title: '<i>Second</i> look', body: '<u>Still</u> good\u0000' },
      headers: user.headers,
    })
    assert.equal(changed.statusCode, 200, changed.body)
    assert.deepEqual([changed.json().title, changed.json().body], ['Second look', 'Still good'])
  })

  test('cleaning is idempotent: stored text comes out of a second cleaning unchanged', () => {
    for (const [, input] of CASES) {
      const once = cleanBody(input)
      if (once !== null) assert.equal(cleanBody(once), once, JSON.stringify(input))
      const title = cleanTitle(input)
      if (title !== null) assert.equal(cleanTitle(title), title, JSON.stringify(input))
    }
  })
})

describe('length limits apply to the stored text', () => {
  test('a title of 200 characters is accepted, 201 is a 400 TEXT_TOO_LONG', async () => {
    assert.equal((await stored({ title: 't'.repeat(200) })).title?.length, 200)
    assertProblem(await submit({ title: 't'.repeat(201) }), 400, 'TEXT_TOO_LONG')
  })

  test('markup does not count: 200 characters inside tags are accepted', async () => {
    assert.equal((await stored({ title: `<b>${'t'.repeat(200)}</b>` })).title?.length, 200)
  })

  test('a text of 10,000 characters is accepted, 10,001 is a 400 TEXT_TOO_LONG', async () => {
    assert.equal((await stored({ body: 'x'.repeat(10_000) })).body_length, 10_000)
    const problem = assertProblem(await submit({ body: 'x'.repeat(10_001) }), 400, 'TEXT_TOO_LONG')
    assert.match(problem.detail, /10,001 characters.*10,000/)
  })

  test('characters are counted as characters, not UTF-16 units: 10,000 emoji fit', async () => {
    assert.equal((await stored({ body: '😀'.repeat(10_000) })).body_length, 10_000)
  })

  test('raw input far past the limit is refused unread (400 VALIDATION_FAILED)', async () => {
    assertProblem(await submit({ body: 'x'.repeat(50_001) }), 400, 'VALIDATION_FAILED')
    assertProblem(await submit({ title: 'x'.repeat(1_001) }), 400, 'VALIDATION_FAILED')
  })
})

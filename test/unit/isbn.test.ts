import assert from 'node:assert/strict'
import { test } from 'node:test'
import { normalizeIsbns, preciseDigits } from '../../src/import/goodbooks-rows.ts'
import { syntheticIsbn13 } from '../../src/import/synthetic-data.ts'
import {
  isbn10To13,
  isbn13To10,
  isValidIsbn10,
  isValidIsbn13,
  parseIsbn,
} from '../../src/lib/isbn.ts'

// [title, isbn cell, isbn13 cell, expected isbn10, expected isbn13] — rows of books.csv
const REAL_ROWS: [string, string, string, string | null, string | null][] = [
  // one leading zero dropped; the scientific isbn13 lost its check digit (…481 → 9.78043902348e+12)
  ['The Hunger Games', '439023483', '9.78043902348e+12', '0439023483', '9780439023481'],
  [
    "Harry Potter and the Sorcerer's Stone",
    '439554934',
    '9.78043955493e+12',
    '0439554934',
    '9780439554930',
  ],
  ['Twilight', '316015849', '9.78031601584e+12', '0316015849', '9780316015844'],
  // two zeros dropped
  ['To Kill a Mockingbird', '61120081', '9.78006112008e+12', '0061120081', '9780061120084'],
  // X check digit
  [
    'Harry Potter and the Prisoner of Azkaban',
    '043965548X',
    '9.78043965548e+12',
    '043965548X',
    '9780439655484',
  ],
  // three zeros dropped
  ['Insurgent', '7442912', '9.78000744291e+12', '0007442912', '9780007442911'],
  // bad ISBN-10 checksum, and an isbn13 too imprecise to stand in for it
  ['Reading Lolita in Tehran', '812971060', '9.78081297106e+12', null, null],
  // no ISBN-10; the isbn13 cell has 12 significant digits only
  ['How to Win Friends and Influence People', '', '9.78067172365e+12', null, null],
  // an Indian ISBN-10 with a bad check digit and an 11-digit isbn13 cell
  ['The Secret of the Nagas', '9380658797', '97893806587.0', null, null],
  ['Bossypants', '', '', null, null],
]

for (const [title, isbn, isbn13, want10, want13] of REAL_ROWS) {
  test(`books.csv: ${title}`, () => {
    assert.deepEqual(normalizeIsbns(isbn, isbn13), { isbn10: want10, isbn13: want13 })
    if (want13) assert.ok(isValidIsbn13(want13))
  })
}

test('an isbn13 cell written with every digit is used when the ISBN-10 is unusable', () => {
  assert.deepEqual(normalizeIsbns('', '9780439023481'), {
    isbn10: '0439023483',
    isbn13: '9780439023481',
  })
  assert.deepEqual(normalizeIsbns('123', '9.780439023481e+12'), {
    isbn10: '0439023483',
    isbn13: '9780439023481',
  })
  // a 979 ISBN has no ISBN-10 form
  assert.deepEqual(normalizeIsbns('', '9791032305690'), { isbn10: null, isbn13: '9791032305690' })
  // a valid-looking 13 digits with a wrong check digit
  assert.deepEqual(normalizeIsbns('', '9780439023482'), { isbn10: null, isbn13: null })
})

test('preciseDigits refuses cells whose trailing digits were rounded away', () => {
  assert.equal(preciseDigits('9.78043902348e+12'), null)
  assert.equal(preciseDigits('9.780439023481e+12'), '9780439023481')
  assert.equal(preciseDigits('9780439023481.0'), '9780439023481')
  assert.equal(preciseDigits('9780439023481.5'), null)
  assert.equal(preciseDigits('97893806587.0'), '97893806587')
  assert.equal(preciseDigits('n/a'), null)
})

test('parseIsbn accepts hyphens and spaces in either form', () => {
  assert.deepEqual(parseIsbn('978-0-439-02348-1'), {
    ok: true,
    isbn13: '9780439023481',
    isbn10: '0439023483',
  })
  assert.deepEqual(parseIsbn('0 439 02348 3'), {
    ok: true,
    isbn13: '9780439023481',
    isbn10: '0439023483',
  })
  assert.deepEqual(parseIsbn('0-439-65548-x'), {
    ok: true,
    isbn13: '9780439655484',
    isbn10: '043965548X',
  })
})

test('parseIsbn tells a bad checksum from a bad format', () => {
  assert.deepEqual(parseIsbn('9780439023482'), { ok: false, reason: 'checksum' })
  assert.deepEqual(parseIsbn('0439023484'), { ok: false, reason: 'checksum' })
  assert.deepEqual(parseIsbn('439023483'), { ok: false, reason: 'format' })
  assert.deepEqual(parseIsbn('9770439023481'), { ok: false, reason: 'format' })
  assert.deepEqual(parseIsbn('ISBN 0439023483'), { ok: false, reason: 'format' })
})

test('979 ISBN-13s are valid but have no ISBN-10', () => {
  assert.deepEqual(parseIsbn('979-10-323-0569-0'), {
    ok: true,
    isbn13: '9791032305690',
    isbn10: null,
  })
  assert.equal(isbn13To10('9791032305690'), null)
  assert.equal(isbn13To10('9780439655484'), '043965548X')
  assert.equal(isbn10To13('043965548X'), '9780439655484')
  assert.equal(isValidIsbn10('043965548X'), true)
  assert.equal(isValidIsbn10('0439655480'), false)
})

test('synthetic ISBN-13s sit under 979-0 with a correct check digit', () => {
  assert.equal(syntheticIsbn13(0), '9790000000001')
  for (const n of [1, 42, 99_999_999]) {
    const isbn = syntheticIsbn13(n)
    assert.match(isbn, /^9790\d{9}$/)
    assert.ok(isValidIsbn13(isbn), isbn)
  }
  assert.throws(() => syntheticIsbn13(100_000_000), RangeError)
})

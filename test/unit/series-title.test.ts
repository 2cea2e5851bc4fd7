import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDisplayTitle, splitSubtitle } from '../../src/import/series-title.ts'
import { slugify } from '../../src/import/slug.ts'

const entry = (name: string, position: number | null, positionLabel: string | null = null) => ({
  name,
  position,
  positionLabel,
})

test('The Hunger Games', () => {
  assert.deepEqual(parseDisplayTitle('The Hunger Games (The Hunger Games, #1)'), {
    title: 'The Hunger Games',
    subtitle: null,
    series: [entry('The Hunger Games', 1)],
  })
})

test('Harry Potter', () => {
  assert.deepEqual(parseDisplayTitle("Harry Potter and the Sorcerer's Stone (Harry Potter, #1)"), {
    title: "Harry Potter and the Sorcerer's Stone",
    subtitle: null,
    series: [entry('Harry Potter', 1)],
  })
})

test('Discworld: two series, the second without its comma', () => {
  assert.deepEqual(parseDisplayTitle('The Color of Magic (Discworld, #1; Rincewind #1)').series, [
    entry('Discworld', 1),
    entry('Rincewind', 1),
  ])
  assert.deepEqual(parseDisplayTitle('Feet of Clay (Discworld, #19; City Watch, #3)').series, [
    entry('Discworld', 19),
    entry('City Watch', 3),
  ])
})

test('several series separated by commas', () => {
  assert.deepEqual(parseDisplayTitle('Night Play (Dark-Hunter #5, Were-Hunter #1)').series, [
    entry('Dark-Hunter', 5),
    entry('Were-Hunter', 1),
  ])
  assert.deepEqual(
    parseDisplayTitle('Raising Steam (Discworld, #40, Moist von Lipwig #3 )').series,
    [entry('Discworld', 40), entry('Moist von Lipwig', 3)],
  )
  assert.deepEqual(
    parseDisplayTitle('Eternal Rider (Lords of Deliverance, #1, Demonica, #6)').series,
    [entry('Lords of Deliverance', 1), entry('Demonica', 6)],
  )
})

test('omnibus positions keep their label and sort by their first volume', () => {
  const parsed = parseDisplayTitle('The Hunger Games Trilogy Boxset (The Hunger Games, #1-3)')
  assert.equal(parsed.title, 'The Hunger Games Trilogy Boxset')
  assert.deepEqual(parsed.series, [entry('The Hunger Games', 1, '1-3')])
  assert.deepEqual(parseDisplayTitle('The Oedipus Cycle (The Theban Plays, #1–3)').series, [
    entry('The Theban Plays', 1, '1-3'),
  ])
  assert.deepEqual(parseDisplayTitle('Four (Divergent, #0.1 - 0.4)').series, [
    entry('Divergent', 0.1, '0.1-0.4'),
  ])
  assert.deepEqual(
    parseDisplayTitle('The Twilight Saga Complete Collection  (Twilight, #1-4 + 3.5)'),
    {
      title: 'The Twilight Saga Complete Collection',
      subtitle: null,
      series: [entry('Twilight', 1, '1-4 + 3.5')],
    },
  )
})

test('novellas and split volumes', () => {
  assert.deepEqual(parseDisplayTitle('The Queen (The Selection, #0.4)').series, [
    entry('The Selection', 0.4),
  ])
  assert.deepEqual(parseDisplayTitle('Fever (Hunger, #2.5)').series, [entry('Hunger', 2.5)])
  assert.deepEqual(
    parseDisplayTitle('Happily Ever After (The Selection, #0.4, 0.5, 2.5, 2.6)').series,
    [entry('The Selection', 0.4, '0.4, 0.5, 2.5, 2.6')],
  )
  assert.deepEqual(
    parseDisplayTitle('A Touch of Dead (Sookie Stackhouse, #4.1, #4.3, #5.1, #7.1, #8.1)').series,
    [entry('Sookie Stackhouse', 4.1, '4.1,4.3,5.1,7.1,8.1')],
  )
  assert.deepEqual(
    parseDisplayTitle('Harry Potter and the Order of the Phoenix (Harry Potter, #5, Part 1)')
      .series,
    [entry('Harry Potter', 5, '5, Part 1')],
  )
  assert.deepEqual(
    parseDisplayTitle(
      'A Storm of Swords: Blood and Gold (A Song of Ice and Fire, #3: Part 2 of 2)',
    ),
    {
      title: 'A Storm of Swords: Blood and Gold',
      subtitle: null,
      series: [entry('A Song of Ice and Fire', 3, '3: Part 2 of 2')],
    },
  )
  assert.deepEqual(
    parseDisplayTitle('To Green Angel Tower, Part 2 (Memory, Sorrow, and Thorn, #3; Part 2)')
      .series,
    [entry('Memory, Sorrow, and Thorn', 3, '3, Part 2')],
  )
})

test('parentheses inside a series name', () => {
  assert.deepEqual(parseDisplayTitle('Ranma ½, Vol. 1 (Ranma ½ (US 2nd), #1)'), {
    title: 'Ranma ½, Vol. 1',
    subtitle: null,
    series: [entry('Ranma ½ (US 2nd)', 1)],
  })
})

test('parentheses that are not a series stay in the title', () => {
  for (const title of [
    'Is Everyone Hanging Out Without Me? (And Other Concerns)',
    'The Firm (Penguin Readers, Level 5)',
    'The Silmarillion (Middle-Earth Universe)',
    'Nickel and Dimed: On (Not) Getting By in America',
    'Saga #1',
    '#GIRLBOSS',
  ]) {
    const parsed = parseDisplayTitle(title)
    assert.deepEqual(parsed.series, [], title)
    assert.equal(`${parsed.title}${parsed.subtitle ? `: ${parsed.subtitle}` : ''}`, title)
  }
})

test('a subtitle is split off on the first ": " when it reads like one', () => {
  assert.deepEqual(
    parseDisplayTitle('Freakonomics: A Rogue Economist Explores the Hidden Side of Everything'),
    {
      title: 'Freakonomics',
      subtitle: 'A Rogue Economist Explores the Hidden Side of Everything',
      series: [],
    },
  )
  assert.deepEqual(splitSubtitle('Nickel and Dimed: On (Not) Getting By in America'), {
    title: 'Nickel and Dimed',
    subtitle: 'On (Not) Getting By in America',
  })
})

test('short tails and numbered volumes keep the title whole', () => {
  for (const title of [
    'Harry Potter: Film Wizardry',
    'Clapton: The Autobiography',
    'Drinking: A Love Story',
    'March: Book One',
    "Scott Pilgrim, Volume 1: Scott Pilgrim's Precious Little Life",
    'Death Note, Vol. 3: Hard Run',
    'Never Never: Part Two of the Never Never Trilogy',
  ]) {
    assert.deepEqual(splitSubtitle(title), { title, subtitle: null }, title)
  }
})

test('slugs fold accents and punctuation, and fall back to a stable hash', () => {
  assert.equal(slugify('Mary GrandPré'), 'mary-grandpre')
  assert.equal(slugify('J.K. Rowling'), 'j-k-rowling')
  assert.equal(slugify('J. K. Rowling'), 'j-k-rowling')
  assert.equal(slugify('Gabriel García Márquez'), 'gabriel-garcia-marquez')
  assert.equal(slugify('Søren Kierkegaard'), 'soren-kierkegaard')
  assert.match(slugify('村上 春樹', 'author'), /^author-[0-9a-f]{10}$/)
  assert.equal(slugify('村上 春樹', 'author'), slugify('村上 春樹', 'author'))
  assert.notEqual(slugify('村上 春樹', 'author'), slugify('نجيب محفوظ', 'author'))
})

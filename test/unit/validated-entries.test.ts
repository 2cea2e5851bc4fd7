import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { CachedResponse } from '../../src/cache/cache-service.ts'
import { ValidatedEntries } from '../../src/cache/validated-entries.ts'

const entry = (body: string): CachedResponse => ({ body, etag: `"${body}"`, at: 0, id: body })
const far = Date.now() + 60_000

test('an answer is trusted until something is invalidated', () => {
  const validated = new ValidatedEntries(1 << 20)
  validated.remember('books:book:1', entry('one'), validated.snapshot('books:book:1'), far)
  assert.equal(validated.get('books:book:1')?.body, 'one')
  validated.invalidateAll()
  assert.equal(validated.get('books:book:1'), undefined)
})

test('an answer fetched while an invalidation ran is not kept', () => {
  const validated = new ValidatedEntries(1 << 20)
  const before = validated.snapshot('books:book:1')
  validated.invalidateAll() // a write's invalidation lands while bentocache was being asked
  validated.remember('books:book:1', entry('old'), before, far)
  assert.equal(validated.get('books:book:1'), undefined)
})

test('an answer past its TTL goes back to bentocache', () => {
  const validated = new ValidatedEntries(1 << 20)
  validated.remember('books:book:1', entry('one'), validated.snapshot('books:book:1'), 1_000)
  assert.equal(validated.get('books:book:1', 999)?.body, 'one')
  assert.equal(validated.get('books:book:1', 1_001), undefined)
})

test('bus messages: a tag or a clear stales everything, a key only itself', () => {
  const validated = new ValidatedEntries(1 << 20)
  const fill = () => {
    for (const key of ['books:book:1', 'books:book:2'])
      validated.remember(key, entry(key), validated.snapshot(key), far)
  }
  fill()
  validated.onBusMessage({ type: 'set', keys: ['books:book:1'] })
  assert.equal(validated.get('books:book:1'), undefined)
  assert.equal(validated.get('books:book:2')?.body, 'books:book:2')

  fill()
  validated.onBusMessage({ type: 'set', keys: ['___bc:t:book:9'] })
  assert.equal(validated.get('books:book:2'), undefined)

  fill()
  validated.onBusMessage({ type: 'clear', keys: [] })
  assert.equal(validated.get('books:book:1'), undefined)
  assert.equal(validated.get('books:book:2'), undefined)
})

test('memory stays within its bound', () => {
  const validated = new ValidatedEntries(10_000)
  for (let i = 0; i < 100; i++)
    validated.remember(`k${i}`, entry('x'.repeat(1_000)), validated.snapshot(`k${i}`), far)
  const { bytes, maxBytes, entries } = validated.stats()
  assert.ok(bytes <= maxBytes, `${bytes} > ${maxBytes}`)
  assert.ok(entries < 100 && entries > 0)
})

test('a key written while bentocache was asked is not kept; a write drops what was kept', () => {
  const validated = new ValidatedEntries(1 << 20)
  const before = validated.snapshot('books:book:1')
  validated.keyWritten('books:book:1') // the refresh finished meanwhile
  validated.remember('books:book:1', entry('old'), before, far)
  assert.equal(validated.get('books:book:1'), undefined)

  validated.remember('books:book:1', entry('new'), validated.snapshot('books:book:1'), far)
  validated.remember('books:book:2', entry('two'), validated.snapshot('books:book:2'), far)
  validated.keyWritten('books:book:1')
  assert.equal(validated.get('books:book:1'), undefined)
  assert.equal(validated.get('books:book:2')?.body, 'two', 'other keys are untouched')
})

import { LRUCache } from 'lru-cache'
import type { CachedResponse } from './cache-service.ts'

/**
 * Answers bentocache has just vouched for, kept ready in front of it. A bentocache hit is not
 * free: it reads and parses the L1 entry and then, for every tag the entry carries (a book page
 * has five or more), looks up and parses the tag's invalidation time. For the hottest keys that
 * work repeats the same verdict thousands of times a second.
 *
 * Here an entry is trusted, without asking bentocache again, while nothing that could have made
 * it stale has happened: every tag invalidation on this instance, and every tag invalidation or
 * clear arriving from another instance through the bus, advances a generation number, and an
 * entry remembered under an older generation goes back through bentocache's full check. Its
 * own TTL still applies (past it, bentocache decides between grace and refresh). Invalidations
 * are rare next to reads, so the hot keys are served from here nearly always; see
 * docs/decisions/0003-validated-entries-in-front-of-bentocache.md for the measurements.
 */

interface Validated {
  entry: CachedResponse
  generation: number
  /** epoch ms after which the entry is past its TTL */
  freshUntil: number
}

/** Read before asking bentocache; handed back to `remember` with its answer. */
export interface Snapshot {
  generation: number
  version: number
}

// keys whose writes are counted; past this the counts restart and everything is re-validated
const MAX_TRACKED_KEYS = 100_000

// bentocache's prefix for the keys that hold a tag's invalidation time
const TAG_KEY_PREFIX = '___bc:t:'

export class ValidatedEntries {
  #generation = 0
  readonly #entries: LRUCache<string, Validated>
  /** how often each key was written (a refresh finished, another instance set it) */
  readonly #versions = new Map<string, number>()

  readonly #enabled: boolean

  /** `maxBytes` 0 turns it off: every read goes through bentocache's own checks */
  constructor(maxBytes: number) {
    this.#enabled = maxBytes > 0
    this.#entries = new LRUCache<string, Validated>({
      maxSize: Math.max(1, maxBytes),
      // UTF-16 strings: two bytes a character, plus the entry's own bookkeeping
      sizeCalculation: (v) => v.entry.body.length * 2 + 200,
    })
  }

  snapshot(key: string): Snapshot {
    return { generation: this.#generation, version: this.#versions.get(key) ?? 0 }
  }

  get(key: string, now = Date.now()): CachedResponse | undefined {
    const validated = this.#entries.get(key)
    if (!validated) return undefined
    if (validated.generation !== this.#generation || now > validated.freshUntil) {
      this.#entries.delete(key)
      return undefined
    }
    return validated.entry
  }

  /**
   * Keeps an answer bentocache gave. `before` is the snapshot taken before asking it: if anything
   * was invalidated, or this key written, meanwhile, the answer may predate that, and it is not
   * kept.
   */
  remember(key: string, entry: CachedResponse, before: Snapshot, freshUntil: number): void {
    if (!this.#enabled || before.generation !== this.#generation) return
    if (before.version !== (this.#versions.get(key) ?? 0)) return
    this.#entries.set(key, { entry, generation: before.generation, freshUntil })
  }

  /**
   * A new value was written for `key` (a refresh finished, another instance set it): what is
   * kept for it is dropped, and an answer fetched before the write is not kept afterwards. This
   * is what ends a graced copy: bentocache may serve it as a plain hit (its expiry pushed back)
   * until the refresh writes the new value.
   */
  keyWritten(key: string): void {
    if (key.startsWith(TAG_KEY_PREFIX)) return
    if (this.#versions.size >= MAX_TRACKED_KEYS) {
      this.#versions.clear()
      this.#generation++
    }
    this.#versions.set(key, (this.#versions.get(key) ?? 0) + 1)
    this.#entries.delete(key)
  }

  /** Something may be stale now: every entry is checked by bentocache again before use. */
  invalidateAll(): void {
    this.#generation++
  }

  forget(key: string): void {
    this.#entries.delete(key)
  }

  /**
   * A message from another instance's bus: a tag invalidation or a clear may have staled
   * anything; a key set or deleted elsewhere concerns that key alone.
   */
  onBusMessage(message: { type?: string; keys?: string[] }): void {
    const keys = message.keys ?? []
    if (message.type === 'clear' || keys.length === 0) {
      this.invalidateAll()
      return
    }
    for (const key of keys) {
      if (key.startsWith(TAG_KEY_PREFIX)) {
        this.invalidateAll()
        return
      }
      this.keyWritten(key)
    }
  }

  stats() {
    return {
      entries: this.#entries.size,
      bytes: this.#entries.calculatedSize,
      maxBytes: this.#entries.maxSize,
    }
  }
}

import type { Registry } from 'prom-client'

/**
 * A histogram whose label sets are resolved once: `series(labels)` returns the counters of one
 * label set, and observing is a bucket search and three additions. It is registered in the
 * app's prom-client registry, which renders it with its own metrics, in the same format as a
 * prom-client Histogram (`_bucket` cumulative with `le`, `+Inf`, `_sum`, `_count`).
 *
 * Why not prom-client's Histogram: its observe validates and hashes the label set and allocates
 * on every call, even through `labels(...)`; on the request-duration histogram, which every
 * request passes, that was the largest part of a cached read's bookkeeping (decision 0016).
 * The other, rarer metrics stay prom-client's own.
 */
export class SeriesHistogram<L extends string> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly all = new Map<string, HistogramSeries<L>>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    // the registry asks a metric for name, help, type, aggregator, getForPromString() (text),
    // get() (JSON) and reset() only: prom-client's types list its own classes, hence the cast
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0])
  }

  /** The series of one label set; callers keep it rather than ask again per observation. */
  series(labels: Record<L, string>): HistogramSeries<L> {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000')
    let series = this.all.get(key)
    if (!series) {
      series = new HistogramSeries(labels, this.upperBounds)
      this.all.set(key, series)
    }
    return series
  }

  /** What the registry renders as text: prom-client's own shape (`le` first, the rest shared). */
  async getForPromString() {
    const values: HistogramValue[] = []
    const bucket = `${this.name}_bucket`
    for (const s of this.all.values()) {
      const point = (labels: HistogramValue['labels'], value: number, metricName: string) =>
        values.push({ labels, sharedLabels: s.labels, value, metricName })
      let cumulative = 0
      for (let i = 0; i < this.upperBounds.length; i++) {
        cumulative += s.buckets[i]!
        point({ le: this.upperBounds[i]! }, cumulative, bucket)
      }
      point({ le: '+Inf' }, s.count, bucket)
      point({}, s.sum, `${this.name}_sum`)
      point({}, s.count, `${this.name}_count`)
    }
    const { name, help, type, aggregator } = this
    return { name, help, type, aggregator, values }
  }

  /** The same values with every label in `labels` (the registry's JSON). */
  async get() {
    const data = await this.getForPromString()
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, value, metricName }) => ({
        labels: { ...labels, ...sharedLabels },
        value,
        metricName,
      })),
    }
  }

  /** Every series back to zero (the registry's resetMetrics); series handed out stay valid. */
  reset() {
    for (const s of this.all.values()) s.clear()
  }
}

interface HistogramValue {
  labels: Record<string, string | number>
  sharedLabels: Record<string, string>
  value: number
  metricName: string
}

export class HistogramSeries<L extends string> {
  /** per bucket, not cumulative; observations above the last bound are only in count */
  readonly buckets: number[]
  sum = 0
  count = 0

  constructor(
    readonly labels: Readonly<Record<L, string>>,
    private readonly upperBounds: readonly number[],
  ) {
    this.buckets = new Array(upperBounds.length).fill(0)
  }

  observe(value: number) {
    if (!Number.isFinite(value)) return
    const bounds = this.upperBounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.buckets[i] = this.buckets[i]! + 1
        break
      }
    }
    this.sum += value
    this.count++
  }

  clear() {
    this.buckets.fill(0)
    this.sum = 0
    this.count = 0
  }
}

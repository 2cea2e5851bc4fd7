import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Histogram, Registry } from 'prom-client'
import { SeriesHistogram } from '../../src/observability/series-histogram.ts'

/**
 * SeriesHistogram renders exactly as prom-client's Histogram would for the same observations:
 * Prometheus (and the alert rules on histogram_quantile) read it like any other histogram.
 */

const BUCKETS = [0.001, 0.01, 0.1, 1]
const LABELS = ['method', 'route', 'status_code'] as const
// on a bound, between bounds, above the last one, zero
const OBSERVATIONS: [Record<(typeof LABELS)[number], string>, number][] = [
  [{ method: 'GET', route: '/api/books/:id', status_code: '200' }, 0.0004],
  [{ method: 'GET', route: '/api/books/:id', status_code: '200' }, 0.01],
  [{ method: 'GET', route: '/api/books/:id', status_code: '200' }, 0.05],
  [{ method: 'GET', route: '/api/books/:id', status_code: '404' }, 3.5],
  [{ method: 'POST', route: '/api/reviews', status_code: '201' }, 0],
  [{ method: 'GET', route: 'a "quoted" \\ route', status_code: '200' }, 0.2],
]

function both() {
  const ours = new Registry()
  const theirs = new Registry()
  const series = new SeriesHistogram('t_duration_seconds', 'help text', LABELS, BUCKETS, ours)
  const reference = new Histogram({
    name: 't_duration_seconds',
    help: 'help text',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [theirs],
  })
  return { ours, theirs, series, reference }
}

test('the exposition is the one prom-client writes for the same observations', async () => {
  const { ours, theirs, series, reference } = both()
  for (const [labels, value] of OBSERVATIONS) {
    series.series(labels).observe(value)
    reference.observe(labels, value)
  }
  assert.equal(await ours.metrics(), await theirs.metrics())
  // the JSON form too, up to prom-client's empty exemplar fields
  const values = async (registry: Registry) =>
    (await registry.getMetricsAsJSON())[0]!.values.map((v) => ({
      labels: v.labels,
      value: v.value,
      metricName: (v as { metricName?: string }).metricName,
    }))
  assert.deepEqual(await values(ours), await values(theirs))
})

test('a label set resolves to one series; values that are not finite are not counted', async () => {
  const { series } = both()
  const labels = { method: 'GET', route: '/x', status_code: '200' }
  const one = series.series(labels)
  assert.equal(series.series({ ...labels }), one)
  one.observe(Number.NaN)
  one.observe(Number.POSITIVE_INFINITY)
  one.observe(0.5)
  assert.equal(one.count, 1)
  assert.equal(one.sum, 0.5)
})

test('resetMetrics zeroes every series, and the series handed out keep counting', async () => {
  const { ours, theirs, series, reference } = both()
  const labels = OBSERVATIONS[0]![0]
  const kept = series.series(labels)
  kept.observe(0.3)
  reference.observe(labels, 0.3)
  ours.resetMetrics()
  theirs.resetMetrics()
  kept.observe(0.02)
  reference.observe(labels, 0.02)
  assert.equal(await ours.metrics(), await theirs.metrics())
})

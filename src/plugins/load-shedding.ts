import { getHeapStatistics } from 'node:v8'
import createError from '@fastify/error'
import underPressure from '@fastify/under-pressure'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'

export const Overloaded = createError(
  'OVERLOADED',
  'The server is overloaded right now; retry after the number of seconds in Retry-After',
  503,
)

// Liveness must answer however busy the process is, or an orchestrator restarts a process that
// is merely busy, and the overload gets worse.
const NEVER_SHED = new Set(['/health/live'])
const SAMPLE_INTERVAL_MS = 1_000

/**
 * Load shedding with @fastify/under-pressure: while the event loop lags or is saturated, or the
 * heap is nearly full, requests are refused at once with 503 and Retry-After rather than queued
 * until they time out. No external health check is configured: dependencies (Redis above all)
 * have fallbacks of their own, and a cache outage must never turn every route into 503.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    if (!config.LOAD_SHEDDING_ENABLED) return
    const retryAfter = config.LOAD_SHEDDING_RETRY_AFTER_SECONDS
    const maxHeap =
      config.LOAD_SHEDDING_MAX_HEAP_BYTES || Math.floor(getHeapStatistics().heap_size_limit * 0.9)
    // Startup (WASM compilation, migrations, imports) keeps the loop busy for seconds: its
    // samples would shed the first requests of a perfectly idle server. Pressure counts from
    // two samples after the app is ready.
    let armedAt = Number.POSITIVE_INFINITY
    app.addHook('onReady', async () => {
      armedAt = Date.now() + 2 * SAMPLE_INTERVAL_MS
    })
    await app.register(underPressure, {
      sampleInterval: SAMPLE_INTERVAL_MS,
      maxEventLoopDelay: config.LOAD_SHEDDING_MAX_EVENT_LOOP_DELAY_MS,
      maxEventLoopUtilization: config.LOAD_SHEDDING_MAX_EVENT_LOOP_UTILIZATION,
      // utilization over the last sample, not since startup (which a long calm would dilute)
      eventLoopUtilizationMode: 'interval',
      maxHeapUsedBytes: maxHeap,
      retryAfter,
      exposeStatusRoute: false,
      pressureHandler: async (request: FastifyRequest, reply: FastifyReply, type: string) => {
        if (NEVER_SHED.has(request.routeOptions.url ?? '') || Date.now() < armedAt) return
        request.log.warn({ pressure: type }, 'load shed')
        reply.header('retry-after', retryAfter)
        throw new Overloaded()
      },
    })
  },
  { name: 'load-shedding' },
)

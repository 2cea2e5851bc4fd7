import autocannon from 'autocannon'
import { processGroupCpuMs } from './cpu.ts'

/** One autocannon measurement against one server, cycling through a list of paths. */

export interface LoadOptions {
  baseUrl: string
  paths: readonly string[]
  connections: number
  durationSeconds: number
}

export interface Sample {
  rps: number
  p50: number
  p97_5: number
  p99: number
  requests: number
  errors: number
  timeouts: number
  non2xx: number
  /** the server's CPU time per answered request, in µs (null where /proc is missing) */
  cpuUsPerRequest: number | null
}

export async function measure(options: LoadOptions): Promise<Omit<Sample, 'cpuUsPerRequest'>> {
  const { baseUrl, paths } = options
  if (paths.length === 0) throw new Error('no paths to request')
  // one counter shared by all connections: together they walk the list in order, so a cursor
  // walk is requested page after page and a spread of ids is covered evenly
  let next = 0
  const result = await autocannon({
    url: baseUrl,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const path = paths[next++ % paths.length]!
          return { ...request, path }
        },
      },
    ],
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  }
}

/**
 * `measure`, plus the CPU time the server spent per answered request: read from /proc for the
 * process group `group` (the server's child pid) before and after.
 */
export async function measureWithCpu(group: number, options: LoadOptions): Promise<Sample> {
  const cpuBefore = await processGroupCpuMs(group)
  const sample = await measure(options)
  const cpuAfter = await processGroupCpuMs(group)
  const cpuUsPerRequest =
    cpuBefore === null || cpuAfter === null || sample.requests === 0
      ? null
      : ((cpuAfter - cpuBefore) * 1000) / sample.requests
  return { ...sample, cpuUsPerRequest }
}

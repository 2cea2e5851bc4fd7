import { type Config, ConfigError, loadConfig } from '../config.ts'
import {
  type HealthAnswer,
  renderHealth,
  renderSummary,
  type SummaryAnswer,
} from '../observability/terminal-summary.ts'

/**
 * `npm run monitor`: a one-screen health and performance summary of a running Victoria
 * (MONITOR_URL, default http://HOST:PORT). With MONITOR_API_KEY (an admin-scope key) it shows
 * everything the admin page shows; without, only the public health check.
 */

const TIMEOUT_MS = 5_000

async function main(): Promise<number> {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`monitor: ${error.message}\n`)
    return 78
  }
  const base = config.MONITOR_URL ?? `http://${config.HOST}:${config.PORT}`
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(new URL(path, base), {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    return { status: response.status, body: (await response.json()) as unknown }
  }
  let health: { status: number; body: unknown }
  try {
    health = await get('/api/health')
  } catch (error) {
    process.stderr.write(`monitor: ${base} does not answer: ${(error as Error).message}\n`)
    return 2
  }
  if (!config.MONITOR_API_KEY) {
    process.stdout.write(`${renderHealth(health.body as HealthAnswer).join('\n')}\n`)
    process.stdout.write(
      '\n(set MONITOR_API_KEY to an admin-scope API key for performance, errors and alerts)\n',
    )
    return health.status === 200 ? 0 : 1
  }
  const summary = await get('/api/admin/monitoring', { 'x-api-key': config.MONITOR_API_KEY })
  if (summary.status !== 200) {
    process.stderr.write(`monitor: GET /api/admin/monitoring answered ${summary.status}\n`)
    return 1
  }
  process.stdout.write(
    `${renderSummary(summary.body as SummaryAnswer, process.stdout.columns ?? 100)}\n`,
  )
  return (summary.body as SummaryAnswer).health.status === 'down' ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`monitor failed: ${(error as Error).message}\n`)
    process.exitCode = 1
  },
)

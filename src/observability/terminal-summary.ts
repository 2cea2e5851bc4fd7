/**
 * One screen of health and performance for a terminal (npm run monitor), from the answers of
 * GET /api/health and GET /api/admin/monitoring.
 */

interface Window {
  requests: number
  throughputPerSecond: number
  errorRate: number
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  cacheHitRate: number | null
}

export interface HealthAnswer {
  status: string
  version: string
  uptimeSeconds: number
  checks: Record<string, { status: string; responseTimeMs?: number; detail?: string }>
}

export interface SummaryAnswer {
  health: HealthAnswer
  overall: Record<'1m' | '5m' | '15m', Window>
  routes: { route: string; windows: Record<'5m', Window> }[]
  errors: {
    groups: { code: string; route: string | null; occurrences: number; lastSeen: string }[]
  }
  alerts: { active: { alert: string; severity: string; description: string }[] }
  insights: { severity: string; message: string; advice: string }[]
  history: { cpuPercent: number; rssBytes: number; eventLoopLagMs: number }[]
}

const ms = (v: number | null) => (v === null ? '    –' : `${v.toFixed(1).padStart(5)}`)
const pct = (v: number | null) => (v === null ? '   –' : `${(v * 100).toFixed(0).padStart(3)}%`)
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

export function renderHealth(h: HealthAnswer): string[] {
  const lines = [
    `Victoria ${h.version} — ${h.status.toUpperCase()} — up ${formatUptime(h.uptimeSeconds)}`,
  ]
  const deps = Object.entries(h.checks).map(([name, c]) => {
    const time = c.responseTimeMs === undefined ? '' : ` ${c.responseTimeMs} ms`
    return `${name} ${c.status}${time}${c.status !== 'ok' && c.detail ? ` (${cut(c.detail, 40)})` : ''}`
  })
  lines.push(`  ${deps.join(' · ')}`)
  return lines
}

export function renderSummary(s: SummaryAnswer, width = 100): string {
  const lines = renderHealth(s.health)
  const last = s.history.at(-1)
  if (last) {
    lines.push(
      `  CPU ${last.cpuPercent} % · RSS ${Math.round(last.rssBytes / 1048576)} MiB · event-loop lag ${last.eventLoopLagMs} ms`,
    )
  }
  lines.push('')
  lines.push('window   requests   req/s   p50 ms  p95 ms  p99 ms   5xx   cache')
  for (const name of ['1m', '5m', '15m'] as const) {
    const w = s.overall[name]
    lines.push(
      `${name.padEnd(6)} ${String(w.requests).padStart(9)} ${w.throughputPerSecond.toFixed(2).padStart(7)}   ${ms(w.p50Ms)}   ${ms(w.p95Ms)}   ${ms(w.p99Ms)}  ${pct(w.errorRate)}   ${pct(w.cacheHitRate)}`,
    )
  }
  lines.push('')
  lines.push('busiest routes (5 min)                          requests  p95 ms   5xx   cache')
  for (const r of s.routes.slice(0, 8)) {
    const w = r.windows['5m']
    lines.push(
      `  ${cut(r.route, 44).padEnd(44)} ${String(w.requests).padStart(9)}   ${ms(w.p95Ms)}  ${pct(w.errorRate)}   ${pct(w.cacheHitRate)}`,
    )
  }
  lines.push('')
  lines.push(`alerts: ${s.alerts.active.length === 0 ? 'none active' : ''}`)
  for (const a of s.alerts.active.slice(0, 5)) {
    lines.push(`  [${a.severity}] ${a.alert}: ${cut(a.description, width - 20)}`)
  }
  lines.push(`errors: ${s.errors.groups.length === 0 ? 'none captured' : ''}`)
  for (const g of s.errors.groups.slice(0, 5)) {
    lines.push(`  ${g.code} ×${g.occurrences} ${g.route ?? ''} (last ${g.lastSeen})`)
  }
  lines.push(`insights: ${s.insights.length === 0 ? 'nothing to advise' : ''}`)
  for (const i of s.insights.slice(0, 5)) {
    lines.push(`  [${i.severity}] ${cut(`${i.message}: ${i.advice}`, width - 14)}`)
  }
  return lines.join('\n')
}

function formatUptime(seconds: number): string {
  if (seconds < 120) return `${seconds} s`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

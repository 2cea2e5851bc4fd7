import { execFileSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { ROOT } from './paths.ts'

/** What a result was measured on, written next to the figures. */
export interface Environment {
  date: string
  node: string
  cpus: number
  cpuModel: string
  loadAverage: number[]
  /** the same at the end: other work on this shared machine shows here */
  loadAverageAfter?: number[]
  commit: string
  /** the work tree had uncommitted changes under src/ when measured */
  dirty: boolean
}

export function describeEnvironment(): Environment {
  const cpu = cpus()
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? '?',
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--', 'src', 'db']) !== '',
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return '?'
  }
}

/** "load average at start a / b / c, at end d / e / f" for a report's machine line. */
export function describeLoad(environment: Environment): string {
  const now = loadavg().map((l) => Math.round(l * 100) / 100)
  return `load average (1/5/15 min) at start ${environment.loadAverage.join(' / ')}, at end ${now.join(' / ')}`
}

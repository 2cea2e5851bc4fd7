import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { Config } from '../../../src/config.ts'
import { buildConfiguredApp } from './configured-app.ts'

/**
 * Apps with strict rate limits for the security tests (the shared test config keeps limits far
 * out of reach), and a Redis of the test's own that it may freeze or kill: the machine's Redis
 * is shared with every other test and is never touched.
 */

let built = 0

/** Limits that nothing reaches unless the test sets them lower. */
export const GENEROUS: Partial<Config> = {
  RATE_LIMIT_GLOBAL: '100000/900',
  RATE_LIMIT_AUTH: '100000/900',
  RATE_LIMIT_SEARCH: '100000/60',
  RATE_LIMIT_PAYMENT: '100000/60',
  RATE_LIMIT_REVIEWS: '100000/60',
}

export function buildLimitedApp(
  register: (fn: () => Promise<void>) => void,
  overrides: Partial<Config>,
) {
  // counters of their own, even when several files count in the same Redis
  const prefix = `rl-test-${process.pid}-${++built}`
  return buildConfiguredApp(register, {
    ...GENEROUS,
    RATE_LIMIT_PREFIX: prefix,
    CACHE_PREFIX: prefix,
    ...overrides,
  })
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface OwnRedis {
  url: string
  freeze(): void
  thaw(): void
  /** kills the server (the apps using it see Redis gone) */
  kill(): Promise<void>
  /** a new server on the same port, so that apps can close cleanly */
  restart(): Promise<void>
  stop(): Promise<void>
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const probe = new Redis(`redis://127.0.0.1:${port}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  probe.on('error', () => {})
  for (let i = 0; ; i++) {
    try {
      await probe.connect()
      await probe.ping()
      break
    } catch {
      if (i > 100) throw new Error('own redis-server did not start')
      await sleep(50)
    }
  }
  probe.disconnect()
  return child
}

async function killChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGCONT')
  child.kill('SIGKILL')
  await exited
}

/** A redis-server child on a free port, without persistence; `stop` thaws and kills it. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort()
  let child = await spawnRedis(port)
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    kill: () => killChild(child),
    async restart() {
      await killChild(child)
      child = await spawnRedis(port)
    },
    stop: () => killChild(child),
  }
}

export const hasRedisServer = await new Promise<boolean>((resolve) => {
  const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' })
  probe.once('error', () => resolve(false))
  probe.once('exit', (code) => resolve(code === 0))
})

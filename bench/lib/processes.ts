import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { ROOT, SERVER, TSC, TSX } from './paths.ts'

/** Child processes the benchmarks start (Victoria, reference servers), and nothing else. */

export interface ChildServer {
  name: string
  port: number
  baseUrl: string
  child: ChildProcess
  /** the last lines the process printed, for error messages */
  output(): string
  /** SIGTERM, then SIGKILL to its own process group after `graceMs` */
  stop(graceMs?: number): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

/**
 * Runs `tsx <script>` (tsx then re-spawns node with its loader): the reference servers, which are
 * TypeScript files run as they are.
 */
export function startTsx(
  name: string,
  script: string,
  port: number,
  env: Record<string, string | undefined>,
): ChildServer {
  return startProcess(name, TSX, [script], port, env)
}

let built: Promise<unknown> | undefined

/**
 * Compiles Victoria to dist/ (`npm run build`, as `npm start` does first), once per benchmark
 * process, so that every Victoria started afterwards runs the code of this checkout.
 */
export function buildVictoria(): Promise<unknown> {
  built ??= promisify(execFile)(TSC, ['-p', 'tsconfig.build.json'], { cwd: ROOT })
  return built
}

/** Runs Victoria as `npm start` does: `node dist/server.js`, after buildVictoria(). */
export function startVictoria(
  name: string,
  port: number,
  env: Record<string, string | undefined>,
): ChildServer {
  return startProcess(name, process.execPath, [SERVER], port, env)
}

/**
 * The child leads its own process group, so a stuck grandchild can be ended by the group's id.
 */
function startProcess(
  name: string,
  command: string,
  args: string[],
  port: number,
  env: Record<string, string | undefined>,
): ChildServer {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const lines: string[] = []
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
    if (lines.length > 40) lines.splice(0, lines.length - 40)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = once(child, 'exit')
  return {
    name,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    output: () => lines.join('\n'),
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = sleep(graceMs).then(() => 'timeout' as const)
      if ((await Promise.race([exited, timer])) === 'timeout' && child.pid) {
        process.kill(-child.pid, 'SIGKILL')
        await exited
      }
    },
  }
}

/**
 * Polls `path` until `accept` says yes, the child exits, or `timeoutMs` passes. Returns the
 * milliseconds from `since` (a performance.now() reading) to the accepted answer.
 */
export async function waitFor(
  server: ChildServer,
  path: string,
  accept: (status: number, body: string) => boolean,
  { timeoutMs = 120_000, intervalMs = 50, since = performance.now() } = {},
): Promise<number> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${server.name} exited before it answered:\n${server.output()}`)
    }
    try {
      const response = await fetch(`${server.baseUrl}${path}`, {
        signal: AbortSignal.timeout(5_000),
      })
      const body = await response.text()
      if (accept(response.status, body)) return performance.now() - since
    } catch {
      // not listening yet
    }
    await sleep(intervalMs)
  }
  throw new Error(
    `${server.name} did not answer ${path} within ${timeoutMs} ms:\n${server.output()}`,
  )
}

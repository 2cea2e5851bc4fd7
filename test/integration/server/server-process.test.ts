import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type Cleanup, createTestDatabase, TEST_ENGINE } from '../../helpers/database.ts'

/** The real server process: configuration errors at startup, and draining on SIGTERM. */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

interface Started {
  child: ChildProcess
  port: number
  stdout: () => string
  exit: Promise<number | null>
}

/** From source through tsx (`npm run dev`), or `compiled`: dist/server.js, as `npm start` runs. */
function startServer(env: Record<string, string>, { compiled = false } = {}): Started {
  const entry = compiled ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts']
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (chunk) => {
    out += chunk
  })
  child.stderr?.on('data', (chunk) => {
    out += chunk
  })
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  return { child, port: 0, stdout: () => out, exit }
}

async function waitForPort(server: Started, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stdout())
    if (match) return Number(match[1])
    if (server.child.exitCode !== null) break
    await sleep(50)
  }
  throw new Error(`server did not start:\n${server.stdout()}`)
}

async function serverEnv(t: Cleanup): Promise<Record<string, string>> {
  if (TEST_ENGINE === 'postgres') {
    const database = await createTestDatabase(t)
    return { DATABASE_URL: database.url! }
  }
  const dir = await mkdtemp(join(tmpdir(), 'victoria-server-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return { VICTORIA_DATA_DIR: dir, AUTO_SEED: 'false' }
}

test('bad configuration stops startup with exit code 78 and names every bad variable', async () => {
  const server = startServer({ PORT: 'eighty', DB_POOL_MAX: '-3' })
  assert.equal(await server.exit, 78)
  assert.match(server.stdout(), /PORT: must be integer/)
  assert.match(server.stdout(), /DB_POOL_MAX: /)
})

test('SIGTERM lets an in-flight request finish, then the process exits 0', async (t) => {
  const server = startServer(await serverEnv(t))
  t.after(() => server.child.kill('SIGKILL'))
  const port = await waitForPort(server)

  // A request whose body is still arriving when SIGTERM lands: in flight, not yet answered.
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let response = ''
  socket.on('data', (chunk) => {
    response += chunk
  })
  const body = JSON.stringify({ title: 'a body sent in two halves' })
  socket.write(
    `POST /api/books HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
  )
  await sleep(200)
  server.child.kill('SIGTERM')
  await sleep(500)
  assert.equal(response, '', 'no response before the body is complete')
  assert.equal(server.child.exitCode, null, 'the process waits for the in-flight request')

  socket.write(body.slice(10))
  await once(socket, 'end')
  // POST /api/books has no route (writes come with accounts): the in-flight request gets its
  // full, proper answer rather than a reset connection
  assert.match(response, /^HTTP\/1\.1 404 /)
  assert.match(response, /"code":"ROUTE_NOT_FOUND"/)
  assert.equal(await server.exit, 0)
  assert.match(server.stdout(), /shutting down: draining in-flight requests/)
})

test('the server refuses new connections once draining', async (t) => {
  const server = startServer(await serverEnv(t))
  t.after(() => server.child.kill('SIGKILL'))
  const port = await waitForPort(server)
  const ready = await fetch(`http://127.0.0.1:${port}/health/ready`)
  assert.equal(ready.status, 200)
  server.child.kill('SIGTERM')
  assert.equal(await server.exit, 0)
  await assert.rejects(fetch(`http://127.0.0.1:${port}/health/live`))
})

test('the compiled build that npm start runs serves the API', async (t) => {
  // `npm start` is `npm run build` (tsc → dist/) then `node dist/server.js`: no tsx at run time
  await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: ROOT,
  })
  const server = startServer(await serverEnv(t), { compiled: true })
  t.after(() => server.child.kill('SIGKILL'))
  const port = await waitForPort(server)
  const ready = await fetch(`http://127.0.0.1:${port}/health/ready`)
  assert.equal(ready.status, 200)
  const books = await fetch(`http://127.0.0.1:${port}/api/books?limit=1`)
  assert.equal(books.status, 200)
  assert.ok(Array.isArray(((await books.json()) as { items?: unknown }).items))
  // the admin page's files and the migrations are found from dist/ as from src/
  const page = await fetch(`http://127.0.0.1:${port}/admin`)
  assert.equal(page.status, 200)
  server.child.kill('SIGTERM')
  assert.equal(await server.exit, 0)
})

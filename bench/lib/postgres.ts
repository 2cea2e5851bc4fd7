import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Engine } from '../../src/db/database.ts'

/** The machine's PostgreSQL: trust auth, user postgres. Benchmarks only ever talk to loopback. */
export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname
  if (!LOOPBACK.has(host)) throw new Error(`benchmarks only use 127.0.0.1, not ${host}`)
}

export async function postgresReachable(adminUrl: string): Promise<boolean> {
  assertLoopback(adminUrl)
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

export interface ScratchDatabase {
  name: string
  url: string
  drop(): Promise<void>
}

/** An empty database of its own, dropped by `drop()` even while connections are still open. */
export async function createScratchDatabase(
  adminUrl: string,
  prefix: string,
): Promise<ScratchDatabase> {
  assertLoopback(adminUrl)
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  let dropped = false
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return
      dropped = true
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    },
  }
}

export async function serverVersion(url: string): Promise<string> {
  const rows = await adminQuery(url, 'SHOW server_version')
  return String(rows[0]?.server_version ?? '?')
}

async function adminQuery(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    return (await client.query(text)).rows
  } finally {
    await client.end()
  }
}

/** The engine a benchmark runs on: the --engine flag, else PostgreSQL when it answers, else PGlite. */
export async function chooseEngine(flag: string | undefined, adminUrl: string): Promise<Engine> {
  if (flag === 'postgres' || flag === 'pglite') return flag
  if (flag !== undefined) throw new Error(`--engine must be postgres or pglite, got ${flag}`)
  return (await postgresReachable(adminUrl)) ? 'postgres' : 'pglite'
}

import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { Stages } from '../lib/capture.ts'

/**
 * Reference (b), the database round trip: for each URL it runs the SQL Victoria ran for it (same
 * statements, same parameters, same stages in parallel), straight through the driver, and
 * answers JSON.stringify of the rows. No framework, validation, mapping or schema serializer.
 * Env: PORT, HOST, FIXTURE ({ "<path>": Stages }), POOL_MAX, and DATABASE_URL or PGLITE_DIR.
 */

type Run = (sql: string, params: unknown[]) => Promise<unknown[]>

const stagesByPath = new Map(
  Object.entries(JSON.parse(readFileSync(process.env.FIXTURE!, 'utf8')) as Record<string, Stages>),
)

async function openDriver(): Promise<{ run: Run; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const pool = new pg.Pool({
      connectionString: process.env.DATABASE_URL,
      max: Number(process.env.POOL_MAX ?? 10),
    })
    return {
      run: async (sql, params) => (await pool.query(sql, params)).rows,
      close: () => pool.end(),
    }
  }
  const pglite = await PGlite.create({ dataDir: process.env.PGLITE_DIR! })
  return {
    run: async (sql, params) => (await pglite.query(sql, params)).rows,
    close: () => pglite.close(),
  }
}

const driver = await openDriver()

const server = createServer(async (request, response) => {
  const stages = stagesByPath.get(request.url ?? '')
  if (!stages) {
    response.writeHead(404).end()
    return
  }
  try {
    const results: unknown[][] = []
    for (const stage of stages) {
      results.push(...(await Promise.all(stage.map((q) => driver.run(q.sql, q.params)))))
    }
    const body = JSON.stringify(results)
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    response.end(body)
  } catch (error) {
    response.writeHead(500).end(String(error))
  }
})

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write('raw-sql listening\n')
})
process.on('SIGTERM', () => server.close(() => driver.close().then(() => process.exit(0))))

import { createServer } from 'node:http'
import { PGlite } from '@electric-sql/pglite'

/**
 * Boot reference: what opening an existing PGlite data dir costs by itself. Opens PGLITE_DIR,
 * counts the books, then answers GET / with the count. Env: PORT, HOST, PGLITE_DIR.
 */

const pglite = await PGlite.create({ dataDir: process.env.PGLITE_DIR! })
const { rows } = await pglite.query<{ n: number }>('SELECT count(*)::int AS n FROM books')
const body = JSON.stringify({ books: rows[0]?.n ?? 0 })

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(body)
})
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1')
process.on('SIGTERM', () => server.close(() => pglite.close().then(() => process.exit(0))))

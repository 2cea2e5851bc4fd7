import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

/**
 * Reference (a), the ceiling: a bare node:http server that answers each URL with the body Victoria
 * gave for it, precomputed. Transport and HTTP parsing only: no routing, database or JSON work.
 * Env: PORT, HOST, FIXTURE (a JSON file: { "<path>": "<body>" }).
 */

const bodies = new Map<string, Buffer>()
const fixture = JSON.parse(readFileSync(process.env.FIXTURE!, 'utf8')) as Record<string, string>
for (const [path, body] of Object.entries(fixture)) bodies.set(path, Buffer.from(body))

const server = createServer((request, response) => {
  const body = bodies.get(request.url ?? '')
  if (!body) {
    response.writeHead(404).end()
    return
  }
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  })
  response.end(body)
})

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write('ceiling listening\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))

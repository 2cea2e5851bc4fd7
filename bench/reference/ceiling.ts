import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

/**
 * Reference (a), the ceiling: a bare node:http server that answers each URL with the response
 * Victoria gave for it — the same body and the same headers — precomputed. Transport and HTTP
 * parsing only: no routing, database or JSON work.
 * Env: PORT, HOST, FIXTURE (a JSON file: { "<path>": { body, headers } }).
 */

interface Answer {
  body: Buffer
  headers: Record<string, string | number>
}
const answers = new Map<string, Answer>()
const fixture = JSON.parse(readFileSync(process.env.FIXTURE!, 'utf8')) as Record<
  string,
  { body: string; headers: Record<string, string> }
>
for (const [path, { body, headers }] of Object.entries(fixture)) {
  const bytes = Buffer.from(body)
  answers.set(path, { body: bytes, headers: { ...headers, 'content-length': bytes.length } })
}

const server = createServer((request, response) => {
  const answer = answers.get(request.url ?? '')
  if (!answer) {
    response.writeHead(404).end()
    return
  }
  response.writeHead(200, answer.headers)
  response.end(answer.body)
})

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write('ceiling listening\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))

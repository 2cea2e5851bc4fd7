import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, test } from 'node:test'
import { promisify } from 'node:util'
import { createApiKey } from '../security/principals.ts'
import { buildMonitoredApp } from './support.ts'

/** npm run monitor against a listening app: one screen of health and performance. */

const run = promisify(execFile)
const { app, db } = await buildMonitoredApp({ after })
const address = await app.listen({ port: 0, host: '127.0.0.1' })
const key = (await createApiKey(db, ['admin']))['x-api-key']

test('with an admin key: health, windows, busiest routes, alerts, errors, insights', async () => {
  for (let i = 0; i < 4; i++) await fetch(`${address}/api/books?limit=2`)
  app.observability.sample()
  const { stdout } = await run('npx', ['tsx', 'src/cli/monitor.ts'], {
    env: { ...process.env, MONITOR_URL: address, MONITOR_API_KEY: key, CI: '' },
    timeout: 60_000,
  })
  assert.match(stdout, /^Victoria \S+ — (OK|DEGRADED) — up/m)
  assert.match(stdout, /database ok \d/)
  assert.match(stdout, /^5m\s+\d+/m)
  assert.match(stdout, /GET \/api\/books\s+[4-9]/)
  assert.match(stdout, /^alerts: /m)
  assert.match(stdout, /^insights: /m)
})

test('without a key: the public health only, and how to see more', async () => {
  const { stdout } = await run('npx', ['tsx', 'src/cli/monitor.ts'], {
    env: { ...process.env, MONITOR_URL: address, MONITOR_API_KEY: '' },
    timeout: 60_000,
  })
  assert.match(stdout, /^Victoria .* up/m)
  assert.match(stdout, /MONITOR_API_KEY/)
})

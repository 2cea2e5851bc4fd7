import assert from 'node:assert/strict'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { insertBookWithAuthor } from '../helpers/catalog.ts'
import { registerUser } from '../helpers/users.ts'
import { buildMonitoredApp, eventually } from '../integration/monitoring/support.ts'

/**
 * The admin monitoring page in headless Chromium: under its strict CSP it signs in, draws charts
 * from real measurements, lists routes, flushes a cache tag through the admin API, and leaves
 * a screenshot for the README. In CI a missing Chromium fails; elsewhere the test is skipped.
 */

// the few DOM names the in-page predicates use (the project's tsconfig has no DOM library);
// predicates are functions, not strings: the page's CSP forbids evaluating strings
declare const document: {
  getElementById(id: string): {
    textContent: string | null
    dataset: Record<string, string | undefined>
  } | null
  cookie: string
}
declare const localStorage: unknown

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOT = fileURLToPath(new URL('../../docs/admin-monitoring.png', import.meta.url))
const found = await access(CHROMIUM).then(
  () => true,
  () => false,
)
const inCI = Boolean(process.env.CI)
const skip = found || inCI ? false : `${CHROMIUM} not installed (apt-get install chromium)`

test('an admin watches Victoria in the browser', { skip, timeout: 180_000 }, async (t) => {
  const { app, db, admin } = await buildMonitoredApp(t, { MONITORING_SAMPLE_INTERVAL_MS: '250' })
  const bookId = await insertBookWithAuthor(
    db,
    { title: 'The Observed Book' },
    { name: 'Iris Watcher', slug: `iris-watcher-${process.pid}` },
  )
  const base = await app.listen({ port: 0, host: '127.0.0.1' })

  // traffic to chart: cached reads (misses then hits), a few 404s
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < 5; i++) await fetch(`${base}/api/books/${bookId}`)
    await fetch(`${base}/api/books?limit=3`)
    await fetch(`${base}/api/books/99999999`)
    await new Promise((r) => setTimeout(r, 120))
  }

  const profile = await mkdtemp(join(tmpdir(), 'victoria-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1400 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  // one hook, in this order: node:test runs after-hooks first-registered first, and removing the
  // profile while Chromium still writes to it fails (ENOTEMPTY) and leaves Chromium running
  t.after(async () => {
    await browser.close()
    await rm(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  })
  const page = browser.pages()[0] ?? (await browser.newPage())
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  // nothing but this origin is ever requested
  const foreign: string[] = []
  page.on('request', (request) => {
    if (!request.url().startsWith(base)) foreign.push(request.url())
  })

  const response = await page.goto(`${base}/admin`)
  assert.equal(response?.status(), 200)
  const csp = response?.headers()['content-security-policy'] ?? ''
  for (const directive of [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
  ]) {
    assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`)
  }

  // a reader signs in: refused, no data shown
  const reader = await registerUser(app)
  await page.fill('#email', reader.email)
  await page.fill('#password', reader.password)
  await page.click('#login-form button[type=submit]')
  await page.waitForFunction(() => document.getElementById('login-error')?.textContent !== '')
  assert.match((await page.textContent('#login-error')) ?? '', /not an administrator/)
  assert.equal(await page.isVisible('#dashboard'), false)

  // the admin signs in
  await page.fill('#email', admin.email)
  await page.fill('#password', admin.password)
  await page.click('#login-form button[type=submit]')
  await page.waitForSelector('#dashboard', { state: 'visible' })
  const token = await page.evaluate(() => JSON.stringify(localStorage) + document.cookie)
  assert.doesNotMatch(token, /eyJ/, 'the access token is kept in memory only')

  // charts drawn from several samples, routes listed by template
  await page.waitForFunction(
    () => Number(document.getElementById('chart-throughput')?.dataset.points ?? 0) >= 3,
    undefined,
    { timeout: 30_000 },
  )
  for (const id of ['chart-latency', 'chart-errors', 'chart-cache', 'chart-cpu', 'chart-memory']) {
    const points = await page.getAttribute(`#${id}`, 'data-points')
    assert.ok(Number(points) >= 3, `${id} has points`)
  }
  const routes = await page.textContent('#routes')
  assert.match(routes ?? '', /GET \/api\/books\/:id/)
  assert.doesNotMatch(routes ?? '', /99999999/)
  const status = await page.getAttribute('#status', 'data-status')
  assert.ok(['ok', 'degraded'].includes(status ?? ''), `status ${status}`)

  // flush the book's cache tag from the page: the next read is a miss
  assert.equal((await fetch(`${base}/api/books/${bookId}`)).headers.get('x-cache'), 'HIT')
  await page.fill('#tag', `book:${bookId}`)
  await page.click('#tag-form button[type=submit]')
  await page.waitForFunction(
    (tag) => document.getElementById('cache-message')?.textContent?.includes(tag) ?? false,
    `tag book:${bookId}`,
  )
  await eventually(
    async () => (await fetch(`${base}/api/books/${bookId}`)).headers.get('x-cache') === 'MISS',
  )

  await page.screenshot({ path: SCREENSHOT, fullPage: true })
  assert.deepEqual(foreign, [])
  assert.deepEqual(
    problems.filter((p) => !/status of 40[13]/.test(p)),
    [],
    'no script errors or CSP violations',
  )
})

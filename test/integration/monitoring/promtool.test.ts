import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ALERT_RULES } from '../../../src/observability/alert-rules.ts'

/**
 * The Prometheus alert rules in deploy/prometheus: valid (promtool check rules), each firing on
 * a scripted series and quiet below its threshold (promtool test rules), and the same set as
 * the in-process evaluator. In CI a missing promtool is a failure; elsewhere a skip.
 */

const run = promisify(execFile)
const DIR = fileURLToPath(new URL('../../../deploy/prometheus/', import.meta.url))
const PROMTOOL = '/usr/bin/promtool'
// CI is the env var a CI runner sets; read directly here, like the runner that sets it
const inCI = Boolean(process.env.CI)

const available = await access(PROMTOOL).then(
  () => true,
  () => false,
)
if (!available && inCI) {
  test('promtool is installed in CI', () => {
    assert.fail(`${PROMTOOL} is missing: .ci/run installs it (apt-get install prometheus)`)
  })
}
const skip = available ? false : `${PROMTOOL} not installed (apt-get install prometheus)`

test('promtool check rules: the alert rules are valid', { skip }, async () => {
  const { stdout } = await run(PROMTOOL, ['check', 'rules', join(DIR, 'alerts.yml')])
  assert.match(stdout, /SUCCESS: \d+ rules found/)
})

test('promtool test rules: each alert fires on its scripted series', { skip }, async () => {
  const { stdout } = await run(PROMTOOL, ['test', 'rules', 'alerts.test.yml'], { cwd: DIR })
  assert.match(stdout, /SUCCESS/)
})

test('Prometheus has every in-process rule (plus InstanceDown, which needs a scraper)', async () => {
  const { readFile } = await import('node:fs/promises')
  const yaml = await readFile(join(DIR, 'alerts.yml'), 'utf8')
  const names = [...yaml.matchAll(/- alert: (\w+)/g)].map((m) => m[1])
  assert.deepEqual(
    names.filter((n) => n !== 'VictoriaInstanceDown').sort(),
    ALERT_RULES.map((r) => r.name).sort(),
  )
})

// Victoria admin monitoring page. Plain browser JavaScript, no framework, no inline code (the
// page's CSP allows only this file). The access token lives in memory only: reloading the page
// signs out, and nothing is left in localStorage for a script to steal.
'use strict'

const REFRESH_MS = 5000
const COLORS = ['#58a6ff', '#d29922', '#f85149', '#3fb950', '#bc8cff']
let token = null
let timer = null

const $ = (id) => document.getElementById(id)

function el(tag, text, className) {
  const node = document.createElement(tag)
  if (text !== undefined && text !== null) node.textContent = String(text)
  if (className) node.className = className
  return node
}

async function api(method, url, body) {
  const headers = { accept: 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  if (body) headers['content-type'] = 'application/json'
  const response = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined })
  const data = await response.json().catch(() => null)
  if (!response.ok) {
    const error = new Error((data && (data.detail || data.title)) || `HTTP ${response.status}`)
    error.status = response.status
    throw error
  }
  return data
}

async function login(event) {
  event.preventDefault()
  $('login-error').textContent = ''
  try {
    const result = await api('POST', '/api/auth/login', {
      email: $('email').value,
      password: $('password').value,
    })
    token = result.session.accessToken
    $('password').value = ''
    // a reader's token is refused by the admin API: refresh signs out and says why
    if (!(await refresh())) return
    $('login-view').hidden = true
    $('dashboard').hidden = false
    $('logout').hidden = false
    timer = setInterval(refresh, REFRESH_MS)
  } catch (error) {
    token = null
    $('login-error').textContent =
      error.status === 403 ? 'This account is not an administrator.' : error.message
  }
}

function logout() {
  token = null
  clearInterval(timer)
  $('dashboard').hidden = true
  $('login-view').hidden = false
  $('logout').hidden = true
  setStatus('unknown', 'not signed in')
}

function setStatus(status, text) {
  $('status').dataset.status = status
  $('status').textContent = text
}

async function refresh() {
  let summary
  try {
    summary = await api('GET', '/api/admin/monitoring')
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      logout()
      $('login-error').textContent =
        error.status === 403 ? 'This account is not an administrator.' : 'Session expired.'
      return false
    }
    setStatus('down', `unreachable: ${error.message}`)
    return false
  }
  render(summary)
  return true
}

const fmt = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits))
const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)} %`)
const mib = (b) => b / 1048576

function render(s) {
  setStatus(s.health.status, `${s.health.status} · v${s.release}`)
  const w = s.overall['5m']
  const tiles = [
    ['requests (5 min)', w.requests],
    ['throughput', `${fmt(w.throughputPerSecond, 2)} /s`],
    ['p95', `${fmt(w.p95Ms)} ms`],
    ['5xx rate', pct(w.errorRate)],
    ['cache hits', pct(w.cacheHitRate)],
    ['active alerts', s.alerts.active.length],
    ['error groups', s.errors.groups.length],
    ['uptime', `${Math.round(s.health.checks ? s.health.uptimeSeconds / 60 : 0)} min`],
  ]
  for (const [name, dep] of Object.entries(s.health.checks)) tiles.push([name, dep.status])
  $('tiles').replaceChildren(
    ...tiles.map(([label, value]) => {
      const tile = el('div', null, 'tile')
      tile.append(el('b', value), el('span', label))
      return tile
    }),
  )

  const h = s.history
  chart('chart-throughput', h, [{ label: 'req/s', value: (p) => p.throughputPerSecond }])
  chart('chart-latency', h, [
    { label: 'p50', value: (p) => p.p50Ms },
    { label: 'p95', value: (p) => p.p95Ms },
    { label: 'p99', value: (p) => p.p99Ms },
  ])
  chart('chart-errors', h, [
    { label: '5xx', value: (p) => p.serverErrors, color: COLORS[2] },
    { label: '4xx', value: (p) => p.clientErrors, color: COLORS[1] },
  ])
  chart('chart-cache', h, [
    { label: 'hit %', value: (p) => (p.cacheHitRate === null ? null : p.cacheHitRate * 100) },
  ], 100)
  chart('chart-cpu', h, [
    { label: 'CPU %', value: (p) => p.cpuPercent },
    { label: 'lag ms', value: (p) => p.eventLoopLagMs },
  ])
  chart('chart-memory', h, [
    { label: 'RSS', value: (p) => mib(p.rssBytes) },
    { label: 'heap', value: (p) => mib(p.heapUsedBytes) },
  ])

  list(
    'alerts',
    s.alerts.active.map((a) => [`${a.alert} (${a.severity}) — ${a.description}, since ${a.startsAt}`, a.severity]),
    'No active alerts.',
  )
  list(
    'insights',
    s.insights.map((i) => [`${i.message}: ${i.advice}`, i.severity]),
    'Nothing to advise yet.',
  )
  list(
    'slow',
    s.slowQueries.recent.map((q) => [`${q.query} ${fmt(q.durationMs)} ms — ${q.planHint || 'no plan yet'}`]),
    `No query above ${s.slowQueries.thresholdMs} ms.`,
  )

  rows(
    'routes',
    s.routes.map((r) => {
      const x = r.windows['5m']
      return [r.route, x.requests, fmt(x.throughputPerSecond, 2), fmt(x.p50Ms), fmt(x.p95Ms), fmt(x.p99Ms), x.serverErrors, pct(x.cacheHitRate)]
    }),
  )
  rows(
    'errors',
    s.errors.groups.map((g) => [g.code, `${g.method || ''} ${g.route || ''}`, g.message, g.occurrences, g.firstSeen, g.lastSeen, g.lastRequestId || '']),
  )
  const tbody = $('cache').tBodies[0]
  tbody.replaceChildren(
    ...Object.entries(s.cache.categories).map(([category, c]) => {
      const tr = el('tr')
      for (const v of [category, c.hits, c.stale, c.misses, pct(c.hitRate), `${c.ttlSeconds} s`]) tr.append(el('td', v))
      const td = el('td')
      const button = el('button', 'Flush', 'secondary')
      button.type = 'button'
      button.dataset.category = category
      button.addEventListener('click', () => flush({ category }))
      td.append(button)
      tr.append(td)
      return tr
    }),
  )
}

function list(id, items, empty) {
  const node = $(id)
  if (items.length === 0) return node.replaceChildren(el('li', empty, 'muted'))
  node.replaceChildren(...items.map(([text, severity]) => el('li', text, severity ? `sev-${severity}` : '')))
}

function rows(id, data) {
  $(id).tBodies[0].replaceChildren(
    ...data.map((cells) => {
      const tr = el('tr')
      for (const c of cells) tr.append(el('td', c))
      return tr
    }),
  )
}

async function flush(target) {
  const query = target.tag ? `tag=${encodeURIComponent(target.tag)}` : `category=${encodeURIComponent(target.category)}`
  try {
    const result = await api('DELETE', `/api/admin/cache?${query}`)
    $('cache-message').textContent = `Invalidated ${result.invalidated}.`
    await refresh()
  } catch (error) {
    $('cache-message').textContent = `Failed: ${error.message}`
  }
}

// A line chart on a canvas: one polyline per series, a y axis from 0 to the largest value.
function chart(id, points, series, fixedMax) {
  const canvas = $(id)
  const ratio = window.devicePixelRatio || 1
  const width = canvas.clientWidth || 520
  const height = canvas.clientHeight || 180
  canvas.width = width * ratio
  canvas.height = height * ratio
  const ctx = canvas.getContext('2d')
  ctx.scale(ratio, ratio)
  ctx.clearRect(0, 0, width, height)
  const pad = { left: 42, right: 8, top: 18, bottom: 18 }
  const values = points.flatMap((p) => series.map((s) => s.value(p)).filter((v) => v !== null && v !== undefined))
  const max = fixedMax || Math.max(1e-9, ...values) * 1.1
  ctx.strokeStyle = '#2d3742'
  ctx.fillStyle = '#8a96a3'
  ctx.font = '11px system-ui, sans-serif'
  for (let i = 0; i <= 4; i++) {
    const y = pad.top + ((height - pad.top - pad.bottom) * i) / 4
    ctx.beginPath()
    ctx.moveTo(pad.left, y)
    ctx.lineTo(width - pad.right, y)
    ctx.stroke()
    ctx.fillText(formatAxis(max * (1 - i / 4)), 2, y + 4)
  }
  if (points.length === 0) {
    ctx.fillText('waiting for the first sample…', pad.left + 8, height / 2)
    canvas.dataset.points = '0'
    return
  }
  const x = (i) => pad.left + ((width - pad.left - pad.right) * i) / Math.max(1, points.length - 1)
  const y = (v) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max)
  series.forEach((s, n) => {
    ctx.strokeStyle = s.color || COLORS[n % COLORS.length]
    ctx.fillStyle = ctx.strokeStyle
    ctx.lineWidth = 1.5
    ctx.beginPath()
    let started = false
    points.forEach((p, i) => {
      const v = s.value(p)
      if (v === null || v === undefined) return
      if (!started) ctx.moveTo(x(i), y(v))
      else ctx.lineTo(x(i), y(v))
      started = true
    })
    ctx.stroke()
    ctx.fillText(s.label, width - pad.right - 60 * (series.length - n), 12)
  })
  canvas.dataset.points = String(points.length)
}

function formatAxis(v) {
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k`
  if (v >= 10) return v.toFixed(0)
  return v.toFixed(1)
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login)
  $('logout').addEventListener('click', logout)
  $('tag-form').addEventListener('submit', (event) => {
    event.preventDefault()
    flush({ tag: $('tag').value.trim() })
  })
})

// A hand-written SVG chart of a results file: horizontal bars (median) with
// min-to-max whiskers, one panel per suite worth showing.

const WIDTH = 900
const LABEL_W = 390
const VALUE_W = 110
const BAR_H = 16
const GAP = 6
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"'

function esc (s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const COLORS = { 'wasm-tally': '#2f6fdd', default: '#9aa3ad', python: '#c9822b' }

function colorOf (row) {
  if (row.impl === 'wasm-tally' && !row.group.startsWith('control')) return COLORS['wasm-tally']
  if (String(row.impl).startsWith('Python')) return COLORS.python
  return COLORS.default
}

/** One panel: title, bars for rows, on a log or linear axis. Returns [svg, height]. */
function panel (y0, title, rows, { log, unit, format }) {
  const plotW = WIDTH - LABEL_W - VALUE_W - 20
  const values = rows.flatMap(r => [r.min, r.max, r.median]).filter(v => v > 0)
  const lo = log ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 0
  const hi = log ? 10 ** Math.ceil(Math.log10(Math.max(...values))) : Math.max(...values) * 1.05
  const x = v => LABEL_W + plotW * (log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi)
  const out = [`<text x="10" y="${y0 + 16}" font-weight="600" ${FONT} font-size="14">${esc(title)}</text>`]
  let y = y0 + 30
  const top = y
  let group
  for (const r of rows) {
    if (r.group !== group) {
      group = r.group
      out.push(`<text x="10" y="${y + 12}" ${FONT} font-size="12" font-style="italic" fill="#555">${esc(group)}</text>`)
      y += BAR_H + GAP
    }
    const w = Math.max(1, x(r.median) - LABEL_W)
    out.push(`<text x="${LABEL_W - 8}" y="${y + 12}" text-anchor="end" ${FONT} font-size="12">${esc(r.short ?? r.label)}</text>`)
    out.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${colorOf(r)}"/>`)
    if (r.max > r.min) {
      const cy = y + BAR_H / 2
      out.push(`<path d="M${x(r.min).toFixed(1)} ${cy}H${x(r.max).toFixed(1)}M${x(r.min).toFixed(1)} ${cy - 4}v8M${x(r.max).toFixed(1)} ${cy - 4}v8" stroke="#222" stroke-width="1"/>`)
    }
    out.push(`<text x="${WIDTH - VALUE_W + 4}" y="${y + 12}" ${FONT} font-size="12">${esc(format(r))}</text>`)
    y += BAR_H + GAP
  }
  // Axis ticks.
  const ticks = []
  if (log) for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t)
  else {
    const raw = hi / 5
    const mag = 10 ** Math.floor(Math.log10(raw))
    const step = [1, 2, 5, 10].map(k => k * mag).find(k => k >= raw)
    for (let t = 0; t <= hi; t += step) ticks.push(t)
  }
  for (const t of ticks) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${y}" stroke="#ddd"/>`)
    out.push(`<text x="${x(t).toFixed(1)}" y="${y + 14}" text-anchor="middle" ${FONT} font-size="12" fill="#555">${esc(unit === 'M/s' ? (t / 1e6).toFixed(0) : t >= 1 ? t : t.toString())}</text>`)
  }
  out.push(`<text x="${LABEL_W + plotW / 2}" y="${y + 30}" text-anchor="middle" ${FONT} font-size="12" fill="#555">${esc(unit)}${log ? ' (log scale)' : ''}; bar = median, whisker = min to max over runs</text>`)
  return [out.join('\n'), y + 40 - y0]
}

export function chart (results) {
  const parts = []
  let y = 10
  const suite = id => results.suites.find(s => s.id === id && s.rows)
  const cost = [suite('increment'), suite('seed-pattern')].filter(Boolean).flatMap(s => s.rows)
  if (cost.length) {
    const [svg, h] = panel(y, 'Cost per increment, one thread (lower is better)', cost, {
      log: true, unit: 'ns per increment', format: r => `${r.median.toFixed(r.median < 100 ? 1 : 0)} ns${r.ratio && !r.reference ? ` (${r.ratio >= 10 ? r.ratio.toFixed(0) : r.ratio.toFixed(1)}x)` : ''}`
    })
    parts.push(svg)
    y += h + 10
  }
  const histogram = suite('histogram')
  if (histogram) {
    const [svg, h] = panel(y, 'Cost per histogram observation, one thread (lower is better)', histogram.rows, {
      log: true, unit: 'ns per observation (per increment for the last group)', format: r => `${r.median.toFixed(r.median < 100 ? 1 : 0)} ns${r.ratio && !r.reference ? ` (${r.ratio >= 10 ? r.ratio.toFixed(0) : r.ratio.toFixed(1)}x)` : ''}`
    })
    parts.push(svg)
    y += h + 10
  }
  const scaling = suite('scaling')
  if (scaling) {
    const [svg, h] = panel(y, 'Aggregate increments per second across worker threads (higher is better)', scaling.rows.filter(r => r.unit === undefined), {
      log: false, unit: 'M/s', format: r => `${(r.median / 1e6).toFixed(0)} M/s (${r.ratio.toFixed(2)}x)`
    })
    parts.push(svg)
    y += h + 10
  }
  const m = results.machine
  parts.push(`<text x="10" y="${y + 4}" ${FONT} font-size="12" fill="#555">${esc(`${results.date.slice(0, 10)}, ${m.cpus} x ${m.cpuModel}, Node ${m.node}, ${results.command}`)}</text>`)
  y += 14
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`
}

// Drawing, with nothing but SVG and canvas: the per-topic bars and the flush timeline.

const SVG = 'http://www.w3.org/2000/svg'

export const number = new Intl.NumberFormat('en-US')

export function compact (n) {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G'
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M'
  if (n >= 1e4) return (n / 1e3).toFixed(1) + ' k'
  return number.format(Math.round(n))
}

/** What the naive counters got, as a difference from the exact count. */
function offBy (naive, exact) {
  if (naive === exact) return 'exact'
  return (naive > exact ? '+' : '−') + compact(Math.abs(naive - exact))
}

function el (name, attrs, text) {
  const node = document.createElementNS(SVG, name)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  if (text !== undefined) node.textContent = text
  return node
}

/**
 * One row per topic: wasm-tally's success and error counts as a stacked bar,
 * and under it a thin bar with what the naive counters ended up with. Topics
 * with one writer race only with the flush; topics with several also collide.
 */
export function drawTopicBars (svg, rows) {
  const width = svg.clientWidth || 560 // one user unit a CSS pixel, so the labels keep their size at any width
  const label = 92
  const value = 100
  const rowHeight = 40
  const barWidth = width - label - value
  const max = Math.max(1, ...rows.map(r => Math.max(r.success + r.error, r.naive)))
  svg.setAttribute('viewBox', `0 0 ${width} ${rows.length * rowHeight + 4}`)
  svg.replaceChildren()
  rows.forEach((r, i) => {
    const y = i * rowHeight + 4
    const ok = r.success / max * barWidth
    const bad = r.error / max * barWidth
    const naive = r.naive / max * barWidth
    svg.append(
      el('text', { x: 0, y: y + 15, class: 'bar-label' }, r.topic),
      el('text', { x: 0, y: y + 31, class: 'bar-writers' }, `${r.writers} writer${r.writers === 1 ? '' : 's'}`),
      el('rect', { x: label, y, width: barWidth, height: 20, class: 'bar-track', rx: 3 }),
      el('rect', { x: label, y, width: ok, height: 20, class: 'bar-success', rx: 3 }),
      el('rect', { x: label + ok, y, width: bad, height: 20, class: 'bar-error' }),
      el('rect', { x: label, y: y + 24, width: naive, height: 6, class: 'bar-naive', rx: 2 }),
      el('text', { x: width, y: y + 15, class: 'bar-value' }, compact(r.success + r.error)),
      el('text', { x: width, y: y + 31, class: 'bar-value naive' }, `naive ${offBy(r.naive, r.success + r.error)}`)
    )
  })
}

/** The flush timeline: one point per snapshot, its height the number of counts it carried. */
export function drawTimeline (canvas, points, windowSize) {
  const ratio = window.devicePixelRatio || 1
  const cssWidth = canvas.clientWidth
  const cssHeight = canvas.clientHeight
  if (canvas.width !== Math.round(cssWidth * ratio)) canvas.width = Math.round(cssWidth * ratio)
  if (canvas.height !== Math.round(cssHeight * ratio)) canvas.height = Math.round(cssHeight * ratio)
  const g = canvas.getContext('2d')
  g.setTransform(ratio, 0, 0, ratio, 0, 0)
  g.clearRect(0, 0, cssWidth, cssHeight)

  const left = 52
  const right = 10
  const top = 10
  const bottom = 22
  const w = cssWidth - left - right
  const h = cssHeight - top - bottom
  const shown = points.slice(-windowSize)
  const max = Math.max(1, ...shown.map(p => p.size))

  g.font = '11px system-ui, sans-serif'
  g.fillStyle = '#7a8494'
  g.strokeStyle = '#e4e8ee'
  g.lineWidth = 1
  for (const f of max >= 10 ? [0, 0.5, 1] : [0, 1]) {
    const y = top + h - f * h
    g.beginPath(); g.moveTo(left, y + 0.5); g.lineTo(left + w, y + 0.5); g.stroke()
    g.textAlign = 'right'
    g.fillText(compact(max * f), left - 6, y + 4)
  }
  g.textAlign = 'left'
  g.fillText(shown.length ? `snapshot #${shown[0].epoch}` : 'no snapshots yet', left, cssHeight - 6)
  g.textAlign = 'right'
  if (shown.length) g.fillText(`#${shown[shown.length - 1].epoch}`, left + w, cssHeight - 6)
  if (shown.length === 0) return

  const x = i => left + (shown.length === 1 ? w / 2 : i / (shown.length - 1) * w)
  const y = p => top + h - p.size / max * h
  g.strokeStyle = '#2f6fde'
  g.lineWidth = 1.5
  g.beginPath()
  shown.forEach((p, i) => (i ? g.lineTo(x(i), y(p)) : g.moveTo(x(i), y(p))))
  g.stroke()
  shown.forEach((p, i) => {
    // Hollow points: the two snapshots that drain the table after the workers stop.
    g.beginPath(); g.arc(x(i), y(p), p.drain ? 3.5 : 2.5, 0, Math.PI * 2)
    g.fillStyle = p.drain ? '#fff' : '#2f6fde'
    g.fill()
    if (p.drain) g.stroke()
  })
}

// Drawing the per-topic latency histograms (SVG): one card per topic with its
// bucket chart, p50 and p99 marked where the estimate puts them, and the
// observations each side counted.
import { compact, number } from './charts.js'
import { formatSeconds } from './latency-totals.js'
import { bucketIndex } from './naive-histograms.js'

const SVG = 'http://www.w3.org/2000/svg'
const HEIGHT = 118 // CSS px, as styles.css sets it
const AXIS = 16 // room under the bars for the bound labels
const TOP = 14 // room above for the p50/p99 labels
const TICKS = [0.01, 0.1, 1] // bounds labelled under the chart (and +Inf, under its column)

function el (name, attrs, text) {
  const node = document.createElementNS(SVG, name)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  if (text !== undefined) node.textContent = text
  return node
}

function html (name, className, text) {
  const node = document.createElement(name)
  if (className) node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

/**
 * Where a value sits on the chart: buckets are equal-width columns, and within
 * its column a value sits in proportion between the bucket's bounds (the same
 * linear interpolation the estimate makes).
 */
function xOf (value, bounds, column) {
  const i = bucketIndex(bounds, value)
  if (i === bounds.length) return i * column // past every bound: the +Inf column's left edge
  const low = i === 0 ? 0 : bounds[i - 1]
  return (i + (value - low) / (bounds[i] - low)) * column
}

/** Draws a topic's buckets into `svg`, one user unit a CSS pixel (so text keeps its size at any width). */
function drawChart (svg, row, bounds) {
  const width = svg.clientWidth || 300 // read after the card is in place (a hidden page has no width: 300)
  svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`)
  svg.replaceChildren()
  const column = width / row.counts.length
  const plot = HEIGHT - AXIS - TOP
  const max = Math.max(1, ...row.counts)
  // Log scale: the fast buckets hold most sends, the tail a fraction of a percent.
  const height = n => n === 0 ? 0 : Math.max(1.5, Math.log10(1 + n) / Math.log10(1 + max) * plot)
  svg.append(el('line', { x1: 0, x2: width, y1: TOP + plot + 0.5, y2: TOP + plot + 0.5, class: 'latency-axis' }))
  row.counts.forEach((n, i) => {
    const h = height(n)
    svg.append(el('rect', { x: i * column + 1, y: TOP + plot - h, width: column - 2, height: h, class: i === bounds.length ? 'latency-bar inf' : 'latency-bar', rx: 1.5 }))
  })
  for (const tick of TICKS) {
    const i = bounds.indexOf(tick)
    if (i >= 0) svg.append(el('text', { x: (i + 1) * column, y: HEIGHT - 3, class: 'latency-tick' }, formatSeconds(tick).replace(' ', '')))
  }
  svg.append(el('text', { x: width, y: HEIGHT - 3, class: 'latency-tick inf' }, '+Inf'))
  for (const [name, value] of [['p50', row.p50], ['p99', row.p99]]) {
    if (Number.isNaN(value)) continue
    const x = xOf(value, bounds, column)
    svg.append(
      el('line', { x1: x, x2: x, y1: TOP, y2: TOP + plot, class: `latency-mark ${name}` }),
      el('text', { x, y: TOP - 3, class: `latency-mark-label ${name}` }, name)
    )
  }
}

function createCard (topic) {
  const card = html('article', 'latency-card')
  card.dataset.topic = topic
  const head = html('div', 'latency-head')
  head.append(html('h3', '', topic), html('span', 'latency-quantiles'))
  const foot = html('p', 'latency-foot')
  foot.append(html('span', 'latency-count'), html('span', 'latency-naive'))
  card.append(head, el('svg', { class: 'latency-chart', role: 'img', 'aria-label': `${topic}: send latency buckets` }), foot)
  return card
}

/**
 * One card per topic, into `container` (cards are kept from render to render);
 * rows from latencyRows(). Once `final` (workers stopped, table drained), the
 * naive count is shown as its shortfall.
 */
export function drawLatencyCharts (container, rows, bounds, final) {
  const kept = new Map([...container.children].map(card => [card.dataset.topic, card]))
  container.replaceChildren(...rows.map(row => {
    const card = kept.get(row.topic) ?? createCard(row.topic)
    card.querySelector('.latency-quantiles').textContent = `p50 ${formatSeconds(row.p50)} · p99 ${formatSeconds(row.p99)}`
    card.querySelector('.latency-count').textContent = `${compact(row.count)} observed`
    const short = row.count - row.naiveCount
    card.querySelector('.latency-naive').textContent = !final
      ? `naive ${compact(row.naiveCount)}`
      : short === 0 ? 'naive: none lost' : `naive ${short > 0 ? 'lost' : 'gained'} ${number.format(Math.abs(short))}`
    return card
  }))
  // Drawn once the cards are in place, so each chart reads its laid-out width.
  for (const row of rows) drawChart(container.querySelector(`[data-topic="${row.topic}"] svg`), row, bounds)
}

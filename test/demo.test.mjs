// The browser demo, end to end in real Chromium: the page is cross-origin
// isolated, counts rise while workers produce, and after Stop wasm-tally's
// counted total equals what the workers recorded, while the naive shared
// counters got it wrong (lost counts, or counted some twice; the log says
// which); likewise every latency the workers observed is in wasm-tally's
// histograms, and the naive histograms fell short. The page is checked and
// photographed at a laptop's size and a phone's width. Saves screenshots to
// test/artifacts/; UPDATE_SCREENSHOT=1 also refreshes the one the README
// shows (docs/demo.png).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { CHROMIUM, launchChromium } from './helpers/chromium.mjs'
import { histogramQuantile } from '../demo/quantile.js'
import { formatSeconds } from '../demo/latency-totals.js'

const LAPTOP = { width: 1366, height: 768 }
const PHONE = { width: 390, height: 844 }
const DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] // the Kafka schema's
const LOAD = 10_000_000 // deliveries to produce before stopping: enough for races to show
const FLUSHES = 16 // snapshots to take before stopping: a timeline worth looking at
const fmt = n => n.toLocaleString('en-US')

let server
let browser
let page
let url
const problems = [] // errors the page logged
let stopped // demoState once the workers stopped and the table drained

function startServer () {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['demo/server.mjs'], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', d => {
      out += d
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)
      if (m) resolve({ child, url: m[0] })
    })
    child.on('exit', code => reject(new Error(`demo/server.mjs exited (${code}) before printing its URL`)))
  })
}

function state () {
  if (!page) throw new Error('the demo page is not open: see the first failure above')
  return page.evaluate(() => window.demoState)
}

async function waitFor (what, predicate, limitMs = 60_000) {
  const giveUp = Date.now() + limitMs
  for (;;) {
    const s = await state()
    if (s && s.error) throw new Error(`the page reported an error: ${s.error}`)
    if (s && predicate(s)) return s
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}; last demoState: ${JSON.stringify(s)}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

// Set up in a test, not a hook: a missing browser must fail loudly, with its reason.
test('Chromium opens the demo page, and the page is cross-origin isolated', async () => {
  if (!existsSync(CHROMIUM)) {
    assert.unreachable(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`)
  }
  const built = spawnSync(process.execPath, ['demo/build.mjs'], { stdio: 'inherit' })
  assert.is(built.status, 0, 'demo/build.mjs failed')
  const started = await startServer()
  server = started.child
  url = started.url
  browser = await launchChromium({ viewport: LAPTOP, deviceScaleFactor: 1 })
  page = browser.page
  page.on('pageerror', e => problems.push(e.message))
  page.on('console', m => { if (m.type() === 'error') problems.push(m.text()) })
  await page.goto(url)
  await waitFor('the page to load', s => s.running === false)
  assert.is(await page.evaluate(() => crossOriginIsolated), true)
  assert.is(await page.evaluate(() => typeof SharedArrayBuffer), 'function')
})

test.after(async () => {
  if (browser) await browser.close()
  if (server) server.kill()
})

test('with 2 workers the counts rise while they run', async () => {
  await state()
  await page.locator('#workers').fill('2')
  await page.selectOption('#rate', '0') // flat out
  await page.click('#start')
  const first = await waitFor('the first counts', s => s.running && s.counted > 0 && s.recorded > 0)
  assert.is(first.workers, 2)
  const later = await waitFor('counts to rise', s => s.counted > first.counted && s.recorded > first.recorded && s.snapshots > first.snapshots)
  assert.ok(later.naive.counted > 0, 'the naive counters count too')
  assert.ok(later.observations.counted > 0 && later.naive.observations.counted > 0, 'both sides\' histograms fill')
})

test('after stop, wasm-tally counted exactly what the workers recorded; the naive counters did not', async () => {
  await waitFor('a few snapshots', s => s.snapshots >= 4)
  await mkdir('test/artifacts', { recursive: true })
  await page.screenshot({ path: 'test/artifacts/demo-running.png', fullPage: true })
  await waitFor(`${fmt(LOAD)} deliveries and ${FLUSHES} snapshots`, s => s.recorded >= LOAD && s.snapshots >= FLUSHES, 120_000)
  await page.click('#stop')
  const s = await waitFor('the workers to stop and the table to drain', s => s.running === false)
  const off = s.recorded - s.naive.counted
  const naive = off > 0 ? `lost ${fmt(off)}` : off < 0 ? `counted ${fmt(-off)} too many` : 'was exact'
  console.log(`  recorded ${fmt(s.recorded)}; wasm-tally counted ${fmt(s.counted)}; naive counted ${fmt(s.naive.counted)} (${naive}) in ${s.snapshots} snapshots`)
  for (const t of s.topics) console.log(`    ${t.topic} (${t.writers} writer${t.writers === 1 ? '' : 's'}): wasm-tally ${fmt(t.success + t.error)}, naive ${fmt(t.naive)}`)
  assert.ok(s.recorded >= LOAD)
  assert.is(s.naive.recorded, s.recorded)
  assert.is(s.counted, s.recorded, 'wasm-tally must count exactly what the workers recorded')
  // Plain read-modify-writes that collide lose counts; a write that straddles the
  // naive flush's read-then-zero puts the read value back, so it is counted twice.
  // Either way the total is wrong. If it ever came out right, say so plainly.
  if (off === 0) {
    assert.unreachable(`on this run the naive counters came out exact (${fmt(s.recorded)} recorded, all counted once): the race did not show, so this run demonstrates nothing`)
  }
  const headline = await page.textContent('#headline')
  assert.is(headline, `2 workers, 1 shared table: wasm-tally lost 0 of ${fmt(s.recorded)}; naive ${naive}`)
  stopped = s
})

test('after stop, every latency observed is in wasm-tally\'s histograms; the naive histograms fell short', async () => {
  const s = stopped
  const o = s.observations
  const n = s.naive.observations
  console.log(`  latencies observed ${fmt(o.recorded)}; wasm-tally's histograms hold ${fmt(o.counted)}; the naive histograms ${fmt(n.counted)} (short by ${fmt(n.recorded - n.counted)})`)
  for (const t of s.latency) console.log(`    ${t.topic}: p50 ${formatSeconds(t.p50)}, p99 ${formatSeconds(t.p99)}, +Inf ${fmt(t.counts.at(-1))}; naive short by ${fmt(t.counts.reduce((a, b) => a + b) - t.naiveCount)}`)
  assert.is(o.recorded, s.recorded, 'one latency per delivery')
  assert.is(n.recorded, o.recorded)
  assert.is(o.counted, o.recorded, 'wasm-tally\'s histograms must hold exactly the latencies the workers observed')
  // Never reset, the naive histograms can only lose: two workers storing the same bucket's count + 1.
  assert.ok(n.counted <= n.recorded, `the naive histograms hold ${fmt(n.counted - n.recorded)} observations more than were made: impossible for plain stores that only lose`)
  if (n.counted === n.recorded) {
    assert.unreachable(`on this run the naive histograms lost nothing (${fmt(n.recorded)} observed): no two workers collided on a bucket, so this run demonstrates nothing`)
  }
  assert.equal(s.latency.map(t => t.topic), s.topics.map(t => t.topic))
  const cards = await page.$$eval('.latency-card', cards => cards.map(c => ({ topic: c.querySelector('h3').textContent, quantiles: c.querySelector('.latency-quantiles').textContent })))
  for (const [i, t] of s.latency.entries()) {
    const row = s.topics[i]
    assert.is(t.counts.reduce((a, b) => a + b), row.success + row.error, `${t.topic}: every delivery's latency in its topic's histogram`)
    assert.ok(t.counts.at(-1) > 0, `${t.topic}: the timeouts (30 s) are in the +Inf bucket`)
    // The page's p50 and p99 are Prometheus's estimates from the buckets it holds.
    assert.is(t.p50, histogramQuantile(0.5, DURATION_BOUNDS, t.counts))
    assert.is(t.p99, histogramQuantile(0.99, DURATION_BOUNDS, t.counts))
    assert.ok(t.p50 > 0.001 && t.p50 < 0.01, `${t.topic}: most sends take a few ms (p50 ${t.p50})`)
    assert.ok(t.p99 > 0.1 && t.p99 <= 10, `${t.topic}: the slow tail is past 100 ms (p99 ${t.p99})`)
    assert.equal(cards[i], { topic: t.topic, quantiles: `p50 ${formatSeconds(t.p50)} · p99 ${formatSeconds(t.p99)}` })
  }
  assert.match(await page.textContent('#subline'), `the naive histograms lost ${fmt(n.recorded - n.counted)} of ${fmt(n.recorded)} latencies`)
})

/** What makes a page unreadable at this size: anything wider than the window, or text drawn too small. */
async function readability () {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const wide = [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > width + 0.5)
      .map(e => e.id || e.className.baseVal || e.className || e.tagName)
    const tiny = [...document.querySelectorAll('svg text')]
      .filter(t => t.getBoundingClientRect().height < 9) // a label's box under 9 CSS px: too small to read
      .map(t => t.textContent)
    return { scrollWidth: document.documentElement.scrollWidth, width, wide: [...new Set(wide)], tiny: [...new Set(tiny)] }
  })
}

for (const [name, size] of [['laptop', LAPTOP], ['phone', PHONE]]) {
  test(`at a ${name}'s size (${size.width}x${size.height}) nothing spills sideways and chart labels stay readable`, async () => {
    await page.setViewportSize(size)
    // The page redraws its charts on resize; two frames later they are drawn at the new widths.
    await page.evaluate(() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))))
    // The README's screenshot (the laptop's) is refreshed on request (UPDATE_SCREENSHOT=1),
    // so a test run leaves the working tree as it found it.
    const shot = name === 'laptop' && process.env.UPDATE_SCREENSHOT === '1' ? 'docs/demo.png' : `test/artifacts/demo-${name}.png`
    await page.screenshot({ path: shot, fullPage: true })
    const r = await readability()
    assert.is(r.scrollWidth, r.width, `the page scrolls sideways: ${JSON.stringify(r.wide)}`)
    assert.equal(r.wide, [])
    assert.equal(r.tiny, [])
  })
}

test('reset clears the totals; the page logged no errors', async () => {
  await page.click('#reset')
  const s = await waitFor('the reset', s => s.recorded === 0)
  assert.equal([s.counted, s.naive.counted, s.snapshots, s.running], [0, 0, 0, false])
  assert.equal([s.observations, s.naive.observations], [{ recorded: 0, counted: 0 }, { recorded: 0, counted: 0 }])
  assert.ok(s.latency.every(t => t.counts.every(n => n === 0) && t.naiveCount === 0 && Number.isNaN(t.p50)), 'empty histograms, no p50')
  assert.equal(problems, [])
})

test.run()

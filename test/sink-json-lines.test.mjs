// The JSON lines sink: a file holds one line per flush whose counts sum to
// what was recorded; a stream that fails loses nothing.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { Tally, flushEvery } from '../dist/index.js'
import { jsonLinesSink } from '../dist/sinks/json-lines.js'
import { addRows, recordNoted } from '../scripts/lib/counts.mjs'

function sumLines (text) {
  const totals = {}
  const lines = text.split('\n').filter(Boolean).map(l => JSON.parse(l))
  for (const line of lines) {
    assert.ok(!Number.isNaN(Date.parse(line.time)), 'time is an ISO date')
    addRows(totals, line.topics)
  }
  return { totals, lines }
}

function recordRound (tally, recorded, round) {
  for (let i = 0; i < 30; i++) {
    recordNoted(tally, recorded, `json.${i}`, round + i, i % 2)
  }
}

test('to a file: one line per flush, sums exact', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasm-tally-json-'))
  try {
    const file = join(dir, 'counts.jsonl')
    const stream = createWriteStream(file)
    const tally = await Tally.create({ capacity: 64 })
    const flusher = flushEvery(tally, 60_000, jsonLinesSink(stream, { source: 'test' }), { timer: false })
    const recorded = {}
    for (let round = 1; round <= 4; round++) {
      recordRound(tally, recorded, round)
      await flusher.flush()
    }
    assert.is(await flusher.stop(), undefined)
    await new Promise(resolve => stream.end(resolve))
    const { totals, lines } = sumLines(await readFile(file, 'utf8'))
    assert.is(lines.length, 4)
    assert.equal(lines.map(l => l.source), ['test', 'test', 'test', 'test'])
    assert.equal(totals, recorded)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a stream whose writes fail twice: the batch is retried as it was, under its id; later counts come in the next line', async () => {
  // Anything with write(chunk, callback) will do: this one fails its first two writes.
  let fails = 2
  let text = ''
  const written = {
    write (chunk, callback) {
      if (fails-- > 0) setTimeout(() => callback(new Error('disk full')), 0)
      else { text += chunk; setTimeout(() => callback(), 0) }
      return true
    }
  }
  const tally = await Tally.create({ capacity: 64 })
  const errors = []
  const flusher = flushEvery(tally, 60_000, jsonLinesSink(written), { timer: false, onError: e => errors.push(e) })
  const recorded = {}
  for (let round = 1; round <= 3; round++) {
    recordRound(tally, recorded, round)
    await flusher.flush()
  }
  assert.is(errors.length, 2)
  assert.is(await flusher.stop(), undefined)
  const { totals, lines } = sumLines(text)
  assert.is(lines.length, 2, 'the first batch (round 1), then the second (rounds 2 and 3)')
  const round1 = {}
  recordRound({ record () {} }, round1, 1)
  assert.equal(lines[0].topics, round1)
  assert.ok(lines[0].batch !== lines[1].batch && /^[0-9a-f]{16}-\d+$/.test(lines[0].batch), 'each line names its batch')
  assert.equal(totals, recorded)
})

test('a broken stream surfaces its error; stop() returns the pending batch, and the table keeps every count', async () => {
  const stream = new Writable({ write (_chunk, _enc, callback) { callback(new Error('EPIPE')) } })
  const tally = await Tally.create({ capacity: 64 })
  const errors = []
  const flusher = flushEvery(tally, 60_000, jsonLinesSink(stream), { timer: false, onError: e => errors.push(e) })
  const recorded = {}
  recordRound(tally, recorded, 1)
  await flusher.flush()
  recordRound(tally, recorded, 2)
  const rest = await flusher.stop()
  assert.ok(errors.length >= 2)
  assert.match(errors[0].message, /EPIPE/)
  const round1 = {}
  recordRound({ record () {} }, round1, 1)
  assert.equal(Object.fromEntries(rest.topics), round1, 'stop() reports the batch it could not deliver')
  const totals = {}
  for (const snap of [tally.snapshot(), tally.snapshot()]) addRows(totals, snap.topics)
  assert.equal(totals, recorded, 'nothing delivered, nothing lost: the table still holds it all')
})

test.run()

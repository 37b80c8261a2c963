// The StatsD sink reading a batch in place (writeRows, what a flusher calls)
// against the same sink written the batch's own Snapshot (write()), each
// through its own real hot-shots client to its own UDP listener: flush after
// flush, the same datagrams in the same order (counters by error.type, bytes,
// every bucket and sum, sums past 2^53 units and at other resolutions, the
// overflow row, /invalid-topic); and when datagrams fail (the socket refuses
// every few sends), the same undelivered part: each failed line maps back to
// its row by origin, so the partial ack removes exactly what went out.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import StatsD from 'hot-shots'
import { Tally } from '../dist/index.js'
import { statsdSink } from '../dist/sinks/statsd.js'
import { listenUdp } from './helpers/udp-listener.mjs'
import { described, twoWays } from './helpers/two-ways.mjs'
import { recordRich, richTable } from './helpers/rich-table.mjs'

/** A real unbuffered client to its own listener; `failEvery` > 0: every failEvery-th send fails once (as a full socket buffer would), without sending. */
async function wired (failEvery = 0) {
  const { socket, lines, port } = await listenUdp()
  const client = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 0, errorHandler: () => {} })
  const counted = { sends: 0, handed: 0, failed: 0, failEvery }
  const increment = client.increment.bind(client)
  client.increment = (...args) => { counted.handed++; return increment(...args) } // counts the lines handed over, then hot-shots as it is
  const send = client.socket.send
  client.socket.send = (buf, callback) => {
    if (counted.failEvery > 0 && ++counted.sends % counted.failEvery === 0) { counted.failed++; setImmediate(() => callback(Object.assign(new Error('send ENOBUFS'), { code: 'ENOBUFS' }))); return }
    send(buf, callback)
  }
  return {
    client,
    lines,
    counted,
    close: async () => { await new Promise(resolve => client.close(resolve)); socket.close() }
  }
}

/** Waits until `a` and `b` have received every datagram sent so far (`want` each), then returns the new lines of each. */
async function received (a, b, from) {
  const want = w => w.counted.handed - w.counted.failed
  for (let i = 0; i < 400 && (a.lines.length - from[0] < want(a) - from[2] || b.lines.length - from[1] < want(b) - from[3]); i++) await new Promise(resolve => setTimeout(resolve, 5))
  await new Promise(resolve => setTimeout(resolve, 20)) // room for a late extra datagram to show up
  return [a.lines.slice(from[0]), b.lines.slice(from[1])]
}

async function compareRounds (table, record, options, rounds, failEvery = 0) {
  const [a, b] = [await wired(failEvery), await wired(failEvery)]
  const { flusher, outcomes } = twoWays(table, statsdSink(a.client, options), statsdSink(b.client, options))
  const partial = []
  try {
    for (let round = 0; round <= rounds; round++) {
      // A last round with no failures and nothing new: what the failures left goes out, compared too.
      if (round < rounds) record(round); else for (const w of [a, b]) w.counted.failEvery = 0
      const from = [a.lines.length, b.lines.length, a.counted.handed - a.counted.failed, b.counted.handed - b.counted.failed]
      const r = await flusher.flush()
      const [oa, ob] = outcomes.at(-1).map(described)
      assert.equal(oa, ob, `round ${round}: the same outcome`)
      if (oa !== 'ok') {
        assert.match(oa.error, /PartialDeliveryError: statsd: some increments were not sent: .*send ENOBUFS/)
        partial.push(oa.undelivered)
        assert.is(r.delivered, false)
      }
      if (round === rounds && failEvery > 0) assert.ok(r.delivered, 'the rest went out')
      const [la, lb] = await received(a, b, from)
      if (round < rounds || failEvery > 0) assert.ok(la.length > 0, `round ${round}: lines were sent`)
      assert.equal(la, lb, `round ${round}: the same datagrams, in order`)
    }
    assert.is(await flusher.stop(), undefined)
  } finally {
    await a.close()
    await b.close()
  }
  return partial
}

test('a KafkaTally with every kind of cell: the same datagrams in place as from the Snapshot, flush after flush', async () => {
  for (const options of [t => ({ schema: t.tally.schema }), t => ({ schema: t.tally.schema, overflowTopic: '/full', rename: { 'messaging.client.sent.messages': 'app.sent' } })]) {
    const kt = await richTable()
    await compareRounds(kt, round => recordRich(kt, round), options(kt), 4)
  }
})

test('datagrams failing: the same undelivered part in place as from the Snapshot, and the same rest sent after it', async () => {
  const kt = await richTable()
  const partial = await compareRounds(kt, round => recordRich(kt, round), { schema: kt.tally.schema }, 4, 7)
  assert.ok(partial.length >= 3, `precondition: partial deliveries (${partial.length})`)
  // Every kind of origin failed at least once across the rounds: a column, a bucket, a sum.
  const parts = partial.flatMap(u => [...u.topics.values(), u.overflow])
  assert.ok(parts.some(row => row.success > 0 || row.error > 0 || row.bytes > 0), 'a column')
  assert.ok(parts.some(row => row.size.counts.some(n => n > 0) || row.sendDuration.counts.some(n => n > 0)), 'a bucket')
  assert.ok(parts.some(row => row.size.sum > 0 || row.wait.sum > 0 || row.sendDuration.sum > 0), 'a sum')
})

test('the default table (its own path) and a generic schema, failures included: the same datagrams and undelivered parts', async () => {
  for (const failEvery of [0, 3]) {
    const tally = await Tally.create({ capacity: 3, onOverflow: () => {} })
    await compareRounds(tally, round => {
      for (let i = 0; i < 5; i++) { tally.record(`d.${i}`, 'success', i + round + 1); if ((i + round) % 2 === 0) tally.record(`d.${i}`, 'error', i + 1) }
    }, {}, 3, failEvery)
    const generic = await Tally.create({ capacity: 3, columns: ['requests'], histograms: { latency: { bounds: [1, 5, 10], resolution: 1e-6 } }, onOverflow: () => {} })
    await compareRounds(generic, round => {
      for (let i = 0; i < 5; i++) { generic.record(`g.${i}`, 'requests', i + 1); for (const v of [0.5, 3.000001, 11.25 * (round + 1)]) generic.observe(`g.${i}`, 'latency', v) }
    }, { schema: generic.schema, topicAttribute: 'route' }, 3, failEvery)
  }
})

test.run()

// serveMetrics({ tally }) after a failed listen and after close(): nothing
// serves the table any more, so a later collection of the (shared) registry
// must not take its batches; another table's sink in the same registry keeps
// flushing at each collection.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer } from 'node:net'
import { Registry } from 'prom-client'
import { Tally } from '../dist/index.js'
import { prometheusSink, serveMetrics } from '../dist/sinks/prometheus.js'

/** A port something else listens on, and a way to free it. */
async function takenPort () {
  const blocker = createServer()
  await new Promise(resolve => blocker.listen(0, '127.0.0.1', resolve))
  return { port: blocker.address().port, free: () => new Promise(resolve => blocker.close(resolve)) }
}

test('a failed listen: the table is not flushed by later collections of the registry', async () => {
  const registry = new Registry()
  const tally = await Tally.create({ capacity: 8 })
  const taken = await takenPort()
  try {
    await serveMetrics({ tally, registry, port: taken.port })
    assert.unreachable('listening on a taken port succeeded')
  } catch (error) {
    assert.match(String(error.code), /EADDRINUSE/)
  } finally {
    await taken.free()
  }
  tally.bind('orders').success(5)
  await registry.metrics()
  const snap = tally.snapshot()
  assert.is(snap.topics.get('orders')?.success, 5, 'the collection took the batch of a table nothing serves')
})

test('after close(): the table keeps its counts for its next sink; another table in the registry still flushes at each collection', async () => {
  const registry = new Registry()
  const closed = await Tally.create({ capacity: 8, columns: ['bytes'] })
  const other = await Tally.create({ capacity: 8, columns: ['bytes'] })
  const server = await serveMetrics({ tally: closed, registry, port: 0 })
  prometheusSink({ registry, tally: other })
  closed.record('orders', 'bytes', 3)
  other.record('orders', 'bytes', 4)
  const served = await (await fetch(server.url)).text()
  assert.match(served, /wasm_tally_bytes_total\{topic="orders"\} 7/, 'both tables flushed at the scrape while served')
  await server.close()
  closed.record('orders', 'bytes', 10)
  other.record('orders', 'bytes', 20)
  const text = await registry.metrics()
  assert.match(text, /wasm_tally_bytes_total\{topic="orders"\} 27/, `the other table's flush: ${text}`)
  assert.is(closed.snapshot().topics.get('orders')?.bytes, 10, 'the closed server\'s table was flushed by a collection after close()')
})

test('close() twice, in turn or at once, resolves each time (Node\'s server.close() rejects the second: ERR_SERVER_NOT_RUNNING)', async () => {
  for (const tally of [await Tally.create({ capacity: 4 }), undefined]) {
    const server = await serveMetrics({ tally, registry: new Registry(), port: 0, host: '127.0.0.1' })
    await Promise.all([server.close(), server.close()])
    await server.close()
  }
})

test.run()

// A KafkaTally keeps rows of its own under keys no Kafka topic can have
// ("!overflow", "?overflow", "!<topic>..." for failures by kind). A send to a
// topic spelled like one of them is a topic the engine refuses: it counts
// under /invalid-topic, never into the hidden row (whose counts no snapshot
// shows as a topic's: they were lost), whichever path counts it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { KafkaTally } from '../dist/kafkajs/index.js'
import { RowWriter } from '../dist/messaging/row-writer.js'

const sum = (snap, column) => [...snap.topics.values()].reduce((n, row) => n + row[column], 0) + snap.overflow[column]

test('sends and failures to "!overflow" and "?overflow" count under /invalid-topic, none lost', async () => {
  const kt = await KafkaTally.create({ capacity: 16 })
  const tally = kt.tally
  kt.error('orders', 1, new Error('x')) // a kind row of a real topic exists too
  kt.snapshot()
  for (const topic of ['!overflow', '?overflow']) {
    kt.error(topic, 3, new Error('x'))
    kt.success(topic, 5)
    new RowWriter(tally).outcomes('success', 'bytes', 'sendDuration').of(topic)(7, 70, 0.01) // Tally.outcome's path
    new RowWriter(tally).add(topic, 'bytes', 2) // the binding's path
    const snap = kt.snapshot()
    assert.equal([...snap.topics.keys()], ['/invalid-topic'], topic)
    assert.is(sum(snap, 'success'), 12, `${topic}: success`)
    assert.is(sum(snap, 'error'), 3, `${topic}: error`)
    assert.is(sum(snap, 'bytes'), 72, `${topic}: bytes`)
    assert.is(snap.topics.get('/invalid-topic').sendDuration.count, 1, `${topic}: its one send observed`)
  }
  assert.throws(() => tally.bind('!overflow'), /may only contain/)
  assert.throws(() => tally.record('?overflow', 'success', 1), /may only contain/)
  assert.throws(() => tally.observe('!overflow', 'sendDuration', 0.1), /may only contain/)
})

test.run()

// The sinks' `attributes` option given values a sink's wire cannot carry as
// they are: each refused when the sink is made, rather than sent changed (two
// clients' series merged) or splitting a line.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import StatsD from 'hot-shots'
import { statsdSink } from '../dist/sinks/statsd.js'
import { Registry } from 'prom-client'
import { prometheusSink } from '../dist/sinks/prometheus.js'
import { openTelemetrySink } from '../dist/sinks/opentelemetry.js'
import { KafkaTally } from '../dist/kafkajs/index.js'
import { Tally } from '../dist/index.js'
import { parseExposition } from './helpers/exposition.mjs'

test('StatsD: an attribute name or value holding a separator or a line break is refused (hot-shots would change it, or the line would split)', async () => {
  const client = new StatsD({ host: '127.0.0.1', port: 9, maxBufferSize: 0, errorHandler: () => {} })
  try {
    const refused = [
      [{ client: 'a\nkafka.producer.messages:1000|c' }, /attributes.client value "a\\nkafka.producer.messages:1000\|c" holds "\\n"/],
      [{ client: 'a,b' }, /attributes.client value "a,b" holds ","/],
      [{ client: 'a|b' }, /holds "\|"/],
      [{ client: 'a#b' }, /holds "#"/],
      [{ client: 'a b' }, /holds " "/],
      [{ 'cl:ient': 'a' }, /attribute name "cl:ient" holds ":"/],
      [{ 'cl@ient': true }, /attribute name "cl@ient" holds "@"/]
    ]
    for (const [attributes, message] of refused) assert.throws(() => statsdSink(client, { attributes }), message, JSON.stringify(attributes))
    statsdSink(client, { attributes: { 'messaging.client': 'confluent-kafka_js', up: true } }) // dots, dashes, underscores and booleans go as they are
  } finally {
    await new Promise(resolve => client.close(resolve))
  }
})

test('an empty attribute value is refused: Prometheus would read the series as that of a sink without the attribute', async () => {
  // What the refusal prevents: two tables' sinks on one registry, one labelled client="", export
  // two lines that name one series once scraped (an empty label is no label), and one count is dropped.
  const registry = new Registry()
  const tables = [await KafkaTally.create({ capacity: 4 }), await KafkaTally.create({ capacity: 4 })]
  tables.forEach((t, i) => t.tally.record('orders', 'success', 3 + i))
  prometheusSink({ registry, tally: tables[1] })
  assert.throws(() => prometheusSink({ registry, tally: tables[0], attributes: { client: '' } }), /attributes.client must not be empty/)
  const { samples } = parseExposition(await registry.metrics())
  const sent = samples.filter(s => s.name === 'messaging_client_sent_messages_total')
  assert.is(sent.length, 1, 'only the sink without attributes')
  assert.throws(() => openTelemetrySink({ attributes: { client: '' } }), /must not be empty/)
  assert.throws(() => statsdSink({ increment () {} }, { attributes: { client: '' } }), /must not be empty/)
})

test('an attribute named topic is refused whatever topicAttribute says: the default table\'s counter labels its rows topic, and the attribute was dropped', async () => {
  for (const make of [
    attributes => prometheusSink({ registry: new Registry(), topicAttribute: 'dest', attributes }),
    attributes => statsdSink({ increment () {} }, { topicAttribute: 'dest', attributes }),
    attributes => openTelemetrySink({ topicAttribute: 'dest', attributes })
  ]) {
    assert.throws(() => make({ topic: 'x' }), /must not name "topic": the sinks set "topic"/)
    assert.throws(() => make({ dest: 'x' }), /must not name "dest"/)
  }
})

test('the attributes are read once, when the sink is made: one options object reused for the next sink (its client changed) labels each sink\'s series with its own', async () => {
  const registry = new Registry()
  const attributes = { 'messaging.client': 'kafkajs' }
  const tables = { kafkajs: await KafkaTally.create({ capacity: 4 }), confluent: await KafkaTally.create({ capacity: 4 }) }
  tables.kafkajs.tally.record('orders', 'success', 7)
  tables.confluent.tally.record('orders', 'success', 11)
  prometheusSink({ registry, tally: tables.kafkajs, attributes })
  attributes['messaging.client'] = 'confluent'
  prometheusSink({ registry, tally: tables.confluent, attributes })
  attributes['messaging.client'] = 3 // unchecked now: changes nothing
  const { samples } = parseExposition(await registry.metrics())
  const sent = client => samples.find(s => s.name === 'messaging_client_sent_messages_total' && s.labels.messaging_client === client)?.value
  assert.equal({ kafkajs: sent('kafkajs'), confluent: sent('confluent') }, { kafkajs: 7, confluent: 11 })
  let reads = 0
  const changing = { get client () { return ++reads === 1 ? 'first' : 4 } } // a getter: read once, the value checked is the value used
  const one = new Registry()
  const t = await KafkaTally.create({ capacity: 4 })
  t.tally.record('orders', 'success', 1)
  prometheusSink({ registry: one, tally: t, attributes: changing })
  assert.match(await one.metrics(), /messaging_client_sent_messages_total\{client="first",/)
  assert.is(reads, 1)
  const proto = JSON.parse('{"__proto__":"x"}') // an own key of that name stays a key
  const three = new Registry()
  prometheusSink({ registry: three, tally: t, attributes: proto })
  t.tally.record('orders', 'success', 1)
  assert.match(await three.metrics(), /messaging_client_sent_messages_total\{_proto_="x",/)
})

test('the other naming options are read once too: prefix and rename changed on a reused options object do not rename the first sink\'s metrics', async () => {
  const registry = new Registry()
  const tables = [await Tally.create({ capacity: 4, columns: ['bytes'] }), await Tally.create({ capacity: 4, columns: ['bytes'] })]
  tables[0].bind('o').add('bytes', 5)
  tables[1].bind('o').add('bytes', 9)
  const options = { registry, prefix: 'app_a', rename: {} }
  const sinks = [prometheusSink(options)]
  options.prefix = 'app_b'
  options.rename.bytes = 'app_c.sent' // (unlike prefix, rename is an object of the caller's)
  sinks.push(prometheusSink(options))
  sinks.forEach((sink, i) => sink.write(tables[i].snapshot()))
  const { samples } = parseExposition(await registry.metrics())
  assert.equal(samples.filter(s => s.name.endsWith('_total')).map(s => [s.name, s.value]), [['app_a_bytes_total', 5], ['app_c_sent_total', 9]])
})

test.run()

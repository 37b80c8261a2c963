// The sinks' `attributes` option given values a sink's wire cannot carry as
// they are: each refused when the sink is made, rather than sent changed (two
// clients' series merged) or splitting a line.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import StatsD from 'hot-shots'
import { statsdSink } from '../dist/sinks/statsd.js'

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

test.run()

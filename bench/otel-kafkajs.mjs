// kafkajs as an application using @opentelemetry/instrumentation-kafkajs has
// it: the instrumentation enabled with a MeterProvider and a reader (tracing
// left to the API's no-op tracer), then kafkajs required, so its hook patches
// it. Also hands back the REQUEST listener it adds to each client (its
// messaging.client.operation.duration), so a benchmark can switch it on for
// the instrumentation's own runs only.
import { createRequire } from 'node:module'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'

class PullReader extends MetricReader {
  async onForceFlush () {}
  async onShutdown () {}
}

/** Undefined when the instrumentation is not installed (a devDependency). */
export async function otelKafkajs () {
  let KafkaJsInstrumentation
  try {
    ({ KafkaJsInstrumentation } = await import('@opentelemetry/instrumentation-kafkajs'))
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes("'@opentelemetry/instrumentation-kafkajs'")) return undefined
    throw error
  }
  const reader = new PullReader()
  const instrumentation = new KafkaJsInstrumentation()
  instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }))
  const kafkajs = createRequire(import.meta.url)('kafkajs') // after the instrumentation: patched by its require hook
  if (kafkajs.Kafka.prototype.producer.__wrapped !== true) throw new Error('@opentelemetry/instrumentation-kafkajs did not patch kafkajs')

  // The listener is added through the client's on(); catch it there instead of adding it (a private method, pinned version).
  const listeners = new WeakMap()
  const addListeners = instrumentation._setKafkaEventListeners
  if (typeof addListeners !== 'function') throw new Error('@opentelemetry/instrumentation-kafkajs changed: no _setKafkaEventListeners')
  instrumentation._setKafkaEventListeners = function (client) {
    const on = client.on
    client.on = (event, listener) => { listeners.set(client, { event, listener }); return () => {} }
    try { addListeners.call(this, client) } finally { client.on = on }
  }

  /** A client's REQUEST listener on: returns what switches it off. */
  const requestListener = client => {
    const caught = listeners.get(client)
    if (caught === undefined) throw new Error('no REQUEST listener was caught for this client')
    return client.on(caught.event, caught.listener)
  }

  /** Sums of messaging.client.sent.messages and the count of messaging.client.operation.duration. */
  const collected = async () => {
    const { resourceMetrics } = await reader.collect()
    const metrics = resourceMetrics.scopeMetrics.flatMap(s => s.metrics)
    const points = name => metrics.find(m => m.descriptor.name === name)?.dataPoints ?? []
    return {
      sent: points('messaging.client.sent.messages').reduce((n, p) => n + p.value, 0),
      operations: points('messaging.client.operation.duration').reduce((n, p) => n + p.value.count, 0)
    }
  }
  return { kafkajs, instrumentation, requestListener, collected }
}

// A real kafkajs client whose producers fail on purpose after a send landed:
// every `failEvery`-th send completes on the broker, then rejects, so the
// flusher sends the same batch again and the topic really holds repeats.
// `onSend` hears each send as it starts (the kill test times kills by it),
// `onInjected` each failure made on purpose.

/** Wraps `kafka` (a kafkajs Kafka); `stats` counts sends and injected failures. */
export function flakyKafka (kafka, { failEvery, onSend = () => {}, onInjected = () => {} }) {
  const stats = { sends: 0, injected: 0 }
  const client = {
    producer (config) {
      const real = kafka.producer(config)
      return {
        connect: () => real.connect(),
        disconnect: () => real.disconnect(),
        async send (record) {
          onSend(record)
          const result = await real.send(record)
          stats.sends++
          if (stats.sends % failEvery === 0) {
            stats.injected++
            onInjected()
            throw new Error(`injected failure after send ${stats.sends} landed`)
          }
          return result
        }
      }
    }
  }
  return { client, stats }
}

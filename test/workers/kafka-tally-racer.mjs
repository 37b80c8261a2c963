// A thread on a shared KafkaTally. role "writer": counts `steps` sends (every
// seventh one failed, with a retriable or a non-retriable cause) and reports
// exactly what it counted. role "flusher": takes snapshot({ waitMs }) back to
// back until told to stop, a busy answer included, and reports what it took.
import { workerData, parentPort } from 'node:worker_threads'
import { KafkaTally } from '../../dist/kafkajs/index.js'
import { TallyBusyError } from '../../dist/index.js'

const { shared, role, steps, waitMs, stop } = workerData
const counts = await KafkaTally.attach(shared)
const totals = {}
const row = topic => (totals[topic] ??= { success: 0, error: 0, retriable: 0, nonRetriable: 0 })

if (role === 'writer') {
  const retriable = Object.assign(new Error('x'), { name: 'KafkaJSConnectionError', retriable: true })
  const fatal = Object.assign(new Error('y'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false })
  for (let k = 0; k < steps; k++) {
    const topic = `t${k % 5}`
    if (k % 7 === 0) {
      const error = k % 2 === 0 ? retriable : fatal
      counts.error(topic, 2, error)
      row(topic).error += 2
      row(topic)[error.retriable ? 'retriable' : 'nonRetriable'] += 2
    } else {
      counts.success(topic, 1)
      row(topic).success += 1
    }
  }
  parentPort.postMessage({ totals })
} else {
  const flag = new Int32Array(stop)
  let busy = 0
  let taken = 0
  while (Atomics.load(flag, 0) === 0) {
    let snap
    try {
      snap = counts.snapshot({ waitMs })
    } catch (error) {
      if (!(error instanceof TallyBusyError)) throw error
      busy++
      continue
    }
    taken++
    for (const [topic, c] of snap.topics) { row(topic).success += c.success; row(topic).error += c.error }
    for (const [topic, e] of snap.errors) { row(topic).retriable += e.retriable; row(topic).nonRetriable += e.nonRetriable }
  }
  parentPort.postMessage({ totals, busy, taken })
}

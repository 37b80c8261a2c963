// The wrapper-alone rows of suite 7 by themselves (no in-process broker, no
// real broker): what instrumentProducer and the floor add per 1-message send
// over a producer whose send resolves at once. For profiling the send path:
//   node --expose-gc bench/send-alone.mjs [sends per round] [rounds]
import { Tally } from '../dist/index.js'
import { KafkaTally, instrumentProducer, DURATION_BOUNDS } from '../dist/kafkajs/index.js'
import { otelKafkajs } from './otel-kafkajs.mjs'
import { cpuOfSends, interleavedSends } from './send-cost.mjs'

const n = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 5)
const otel = await otelKafkajs()
if (otel === undefined) throw new Error('@opentelemetry/instrumentation-kafkajs is not installed (npm install)')
// As in suite 7: a KafkaTally's full row (with bytes) beside, so the send path serves two tables, as it does there.
const full = await KafkaTally.create({ capacity: 64 })
const same = await Tally.create({ capacity: 64, columns: ['success', 'error'], histograms: { sendDuration: DURATION_BOUNDS } })
const instant = () => ({ events: { REQUEST: 'producer.network.request' }, on: () => () => {}, send: () => Promise.resolve([]), sendBatch: () => Promise.resolve([]), transaction: () => Promise.resolve({}) })
const p = otel.instrumentation._getProducerPatch()(instant).call({})
const plain = { ...p, send: p.send.__original, sendBatch: p.sendBatch.__original, transaction: p.transaction.__original }
const now = performance.now.bind(performance)
const nativeThen = Promise.prototype.then
let floorMs = 0
const floorSend = send => request => {
  const began = now()
  return nativeThen.call(send(request), value => { floorMs += now() - began; return value }, error => { floorMs += now() - began; throw error })
}
const run = send => (request, k) => cpuOfSends(send, request, k)
const variants = [
  { id: 'bare', run: run(plain.send) },
  { id: 'control', run: run(plain.send) },
  { id: 'same', run: run(instrumentProducer(plain, same, { onUnsupported () {} }).send) },
  { id: 'floor', run: run(floorSend(plain.send)) },
  { id: 'full', run: run(instrumentProducer(plain, full).send) }
]
const request = { topic: 'bench.alone1', messages: [{ key: 'key-0', value: 'v'.repeat(100), headers: { source: 'bench' } }] }
const { addedOverall } = await interleavedSends(variants, request, {
  n,
  chunk: 2000,
  rounds,
  onRound: (r, per, added) => console.log(`round ${r + 1}: bare ${per[0].toFixed(0)} ns; added: control ${added[1].toFixed(0)}, instrumentProducer ${added[2].toFixed(0)}, floor ${added[3].toFixed(0)}, KafkaTally with bytes ${added[4].toFixed(0)}`)
})
const [, control, inst, floor] = addedOverall
console.log(`added per send: instrumentProducer ${inst.toFixed(1)} ns, floor ${floor.toFixed(1)} ns, control ${control.toFixed(1)} ns: ${(inst / floor).toFixed(2)}x the floor${floorMs < 0 ? '' : ''}`)

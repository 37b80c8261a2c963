// A process whose only flush is the one its exit hooks make: it records,
// prints {"recorded":...}, then either waits for a signal ("signal") or lets
// its event loop run dry ("beforeExit"). Flushes go to stdout as JSON lines.
import { Tally, flushEvery } from '../../dist/index.js'
import { jsonLinesSink } from '../../dist/sinks/json-lines.js'

const mode = process.argv[2]
const tally = await Tally.create({ capacity: 64 })
flushEvery(tally, 3_600_000, jsonLinesSink(process.stdout), { exitHooks: true })
const recorded = {}
for (let k = 0; k < 5000; k++) {
  const topic = `exit.${k % 7}`
  const outcome = k % 4 === 0 ? 'error' : 'success'
  tally.record(topic, outcome, 1 + (k % 3))
  const row = recorded[topic] ??= { success: 0, error: 0 }
  row[outcome] += 1 + (k % 3)
}
process.stdout.write(JSON.stringify({ recorded }) + '\n')
if (mode === 'signal') setInterval(() => {}, 1000) // stays up until signalled

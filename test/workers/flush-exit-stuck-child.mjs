// A process whose sink never settles, so its final flush never ends: it
// prints "ready", and "flushing" when the final flush reaches the sink.
//   node flush-exit-stuck-child.mjs <signal|beforeExit> <deadlineMs> [app-listener]
// "signal" waits for a signal; "beforeExit" lets its loop run dry (with exit
// code 3 set), and its sink keeps a timer up meanwhile. "app-listener" adds
// the application's own SIGTERM listener, which does not end the process.
// As it exits it prints "exit <ms>": how long after "flushing", by its own clock.
import { Tally, flushEvery } from '../../dist/index.js'

const [mode, deadline, extra] = process.argv.slice(2)
const say = line => process.stdout.write(line + '\n')
let flushingAt
process.on('exit', () => say(`exit ${flushingAt === undefined ? 'before flushing' : Math.round(performance.now() - flushingAt)}`))
const stuck = () => {
  flushingAt = performance.now()
  say('flushing')
  if (mode === 'beforeExit') setInterval(() => {}, 1000) // a handle: the loop never runs dry again
  return new Promise(() => {})
}
const tally = await Tally.create({ capacity: 16 })
flushEvery(tally, 3_600_000, stuck, { exitHooks: { deadlineMs: Number(deadline) } })
tally.record('stuck', 'success', 1)
if (extra === 'app-listener') process.on('SIGTERM', () => say('app saw SIGTERM'))
if (mode === 'beforeExit') process.exitCode = 3
else setInterval(() => {}, 1000) // stays up until signalled
say('ready')

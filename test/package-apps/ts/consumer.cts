// A strict TypeScript consumer compiled as CommonJS (.cts): its imports become
// require() calls, so it must get the package's CommonJS types (.d.cts), or
// TypeScript stops with TS1479. Type-checked under nodenext, never run.
import { Tally, type Snapshot } from 'wasm-tally'
import { callbackSink } from 'wasm-tally/sinks/callback'

export async function countCjs (): Promise<number> {
  const tally = await Tally.create()
  tally.record('orders', 'success')
  const sink = callbackSink((snap: Snapshot) => { void snap.epoch })
  await sink.write(tally.snapshot())
  return tally.stats().registered
}

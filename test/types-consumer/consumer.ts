// A strict TypeScript consumer of the published types: it must compile with
// `tsc --strict --noEmit`, and every @ts-expect-error line must stay an error.
import { Tally, TallyBusyError, TallyLayoutError, type Binding, type SharedTally, type Snapshot, type TallyStats } from 'wasm-tally'

export async function main (wasm?: WebAssembly.Module): Promise<number> {
  const tally: Tally = await Tally.create({ capacity: 128, stripes: 4, leaseMs: 1000, onOverflow: (topic: string) => { void topic }, module: wasm })
  const shared: SharedTally = tally.share()
  const kind: 'wasm-tally' = shared.kind
  const memory: WebAssembly.Memory = shared.memory
  const other: Tally = await Tally.attach(shared)

  tally.record('orders', 'success')
  tally.record('orders', 'error', 3)
  const bound: Binding = other.bind('payments')
  bound.success()
  bound.error(2)

  const snap: Snapshot = tally.snapshot()
  const epoch: number = snap.epoch
  let total = snap.overflow.success + snap.overflow.error
  for (const [topic, counts] of snap.topics) total += topic.length * 0 + counts.success + counts.error
  const maybe: Snapshot | undefined = tally.trySnapshot(10)
  const names: string[] = tally.topics()
  const stats: TallyStats = tally.stats()

  try {
    tally.snapshot()
  } catch (error) {
    if (error instanceof TallyBusyError || error instanceof TallyLayoutError) total += error.message.length
  }

  // @ts-expect-error outcomes are 'success' | 'error'
  tally.record('orders', 'ok')
  // A schema's names are the ones record(), observe() and bindings accept.
  const kafka = await Tally.create({ columns: ['success', 'bytes'], histograms: { duration: [0.1, 1] } })
  kafka.record('orders', 'bytes', 512)
  kafka.observe('orders', 'duration', 0.2)
  kafka.bind('orders').add('bytes', 1)
  // @ts-expect-error 'error' is not one of this table's columns
  kafka.record('orders', 'error')
  // @ts-expect-error 'latency' is not one of this table's histograms
  kafka.observe('orders', 'latency', 1)
  // @ts-expect-error the default table has no histograms
  tally.observe('orders', 'duration', 1)
  // @ts-expect-error counts are numbers
  tally.record('orders', 'success', '1')
  // @ts-expect-error attach takes the share() handle
  await Tally.attach({ memory })
  // @ts-expect-error tallies come from Tally.create or Tally.attach
  void new Tally()

  return total + epoch + (maybe?.epoch ?? 0) + names.length + stats.capacity + kind.length
}

// Reading a snapshot out of the staging rows into plain JS values.
import type { CoreExports } from './core.js'

export interface Counts { success: number, error: number }

export interface Snapshot {
  /** Snapshots taken on this table so far, this one included. */
  epoch: number
  /** Per topic, what was counted since the previous snapshot (topics with nothing counted are left out). */
  topics: Map<string, Counts>
  /** Counts of topics that found the table full. */
  overflow: Counts
}

export function emptySnapshot (epoch = 0): Snapshot {
  return { epoch, topics: new Map(), overflow: { success: 0, error: 0 } }
}

/** Names slots from the directory; names never change once published, so they are cached. */
export class SlotNames {
  private readonly names: string[] = []
  private readonly seen = new Set<string>()
  private readonly decoder = new TextDecoder()
  /**
   * True once two slots carry the same name (a claimer terminated mid-claim
   * makes the directory register a topic twice); snapshots then merge rows.
   */
  duplicates = false

  constructor (private readonly core: CoreExports, private readonly memory: WebAssembly.Memory) {}

  remember (slot: number, name: string): void {
    if (this.names[slot] === undefined) this.learn(slot, name)
  }

  private learn (slot: number, name: string): string {
    if (this.seen.has(name)) this.duplicates = true
    this.seen.add(name)
    this.names[slot] = name
    return name
  }

  name (slot: number): string | undefined {
    const name = this.names[slot]
    if (name !== undefined) return name
    const key = this.core.slotKey(slot)
    if (key === 0) return undefined
    const length = this.core.slotKeyLength(slot)
    // Copy out of shared memory: TextDecoder does not read shared views everywhere.
    return this.learn(slot, this.decoder.decode(new Uint8Array(this.memory.buffer, key, length).slice()))
  }
}

/** Takes every staging row out (each word by one atomic exchange). */
export function collect (core: CoreExports, names: SlotNames, epoch: number): Snapshot {
  const snap = emptySnapshot(epoch)
  const registered = core.registered()
  for (let slot = 0; slot < registered; slot++) {
    const success = core.take(slot, 0)
    const error = core.take(slot, 1)
    if (success === 0 && error === 0) continue
    // A slot with counts in staging is published: its writer resolved it first.
    const name = names.name(slot) ?? `#slot-${slot}`
    const seen = names.duplicates ? snap.topics.get(name) : undefined
    if (seen) { seen.success += success; seen.error += error } else snap.topics.set(name, { success, error })
  }
  const capacity = core.tableCapacity()
  snap.overflow.success = core.take(capacity, 0)
  snap.overflow.error = core.take(capacity, 1)
  return snap
}

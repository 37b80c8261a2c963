// Reading a snapshot or a batch out of the staging rows into plain JS values.
import type { CoreExports } from './core.js'
import { OUTCOME_ERROR, OUTCOME_SUCCESS } from './generated/constants.js'

export interface Counts { success: number, error: number }

/** Names a delivery: the same batch, retried, keeps its id. */
export interface BatchId {
  /** The table's random id (16 hex digits), unique across processes and restarts. */
  table: string
  /** The epoch of the flip that formed the batch: increases with every batch of the table. */
  sequence: number
  /** `${table}-${sequence}`: the key a deduplicating reader keeps. */
  id: string
}

export interface Snapshot {
  /** The epoch of the flip that formed this snapshot (every flip's epoch is distinct). */
  epoch: number
  /** Per topic, what was counted since the previous snapshot (topics with nothing counted are left out). */
  topics: Map<string, Counts>
  /** Counts of topics that found the table full. */
  overflow: Counts
  /** Which delivery this is; absent on snapshots made by hand. */
  batch?: BatchId
}

export function emptySnapshot (epoch = 0): Snapshot {
  return { epoch, topics: new Map(), overflow: { success: 0, error: 0 } }
}

export function batchId (table: string, sequence: number): BatchId {
  return { table, sequence, id: `${table}-${sequence}` }
}

/** Names slots from the directory; names never change once published, so they are cached. */
export class SlotNames {
  private readonly names: string[] = []
  private readonly seen = new Set<string>()
  private readonly decoder = new TextDecoder()
  /**
   * True once two slots carry the same name (a claimer stalled mid-claim
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

type ReadWord = (slot: number, outcome: number) => number

function readRows (core: CoreExports, names: SlotNames, epoch: number, read: ReadWord): Snapshot {
  const snap = emptySnapshot(epoch)
  const registered = core.registered()
  for (let slot = 0; slot < registered; slot++) {
    const success = read(slot, OUTCOME_SUCCESS)
    const error = read(slot, OUTCOME_ERROR)
    if (success === 0 && error === 0) continue
    // A slot with counts in staging is published: its writer resolved it first.
    const name = names.name(slot) ?? `#slot-${slot}`
    const seen = names.duplicates ? snap.topics.get(name) : undefined
    if (seen) { seen.success += success; seen.error += error } else snap.topics.set(name, { success, error })
  }
  const capacity = core.tableCapacity()
  snap.overflow.success = read(capacity, OUTCOME_SUCCESS)
  snap.overflow.error = read(capacity, OUTCOME_ERROR)
  return snap
}

/** Takes every staging row out (each word by one atomic exchange). */
export function collect (core: CoreExports, names: SlotNames, epoch: number): Snapshot {
  return readRows(core, names, epoch, core.take)
}

/** Reads the pending batch without moving it: it stays in staging until acknowledged. */
export function peekBatch (core: CoreExports, names: SlotNames, epoch: number): Snapshot {
  return readRows(core, names, epoch, core.peek)
}

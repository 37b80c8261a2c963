// Attaching, in a worker, to whatever table the main thread shared.
import { Tally, type SharedTally } from '../engine/tally.js'
import { KafkaTally, type SharedKafkaTally } from '../messaging/kafka-tally.js'

export type SharedCounts = SharedTally | SharedKafkaTally

/**
 * The share() handle of a Tally or of a KafkaTally.
 * @deprecated Call `target.share()`: both tables have it.
 */
export function shareCounts (target: Tally | KafkaTally): SharedCounts {
  return target.share()
}

function isKafkaTally (shared: SharedCounts): shared is SharedKafkaTally {
  return shared !== null && typeof shared === 'object' && shared.kind === 'wasm-tally/kafkajs'
}

/** Attaches to either table's share() handle: a KafkaTally for a KafkaTally's handle, else a Tally. */
export async function attachCounts (shared: SharedCounts): Promise<Tally | KafkaTally> {
  if (isKafkaTally(shared)) return KafkaTally.attach(shared)
  return Tally.attach(shared as SharedTally)
}

/** attachCounts(), synchronously (see Tally.attachSync). */
export function attachCountsSync (shared: SharedCounts): Tally | KafkaTally {
  if (isKafkaTally(shared)) return KafkaTally.attachSync(shared)
  return Tally.attachSync(shared as SharedTally)
}

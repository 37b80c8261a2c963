// Attaching, in a worker, to whatever table the main thread shared.
import { Tally, type SharedTally } from '../engine/tally.js'
import { KafkaTally, type SharedKafkaTally } from './kafka-tally.js'

export type SharedCounts = SharedTally | SharedKafkaTally

/** The share() handle of a Tally or of a KafkaTally. */
export function shareCounts (target: Tally | KafkaTally): SharedCounts {
  return target.share()
}

/** Attaches to a handle from shareCounts(): a KafkaTally for a KafkaTally's handle, else a Tally. */
export async function attachCounts (shared: SharedCounts): Promise<Tally | KafkaTally> {
  if (shared !== null && typeof shared === 'object' && shared.kind === 'wasm-tally/kafkajs') return KafkaTally.attach(shared)
  return Tally.attach(shared as SharedTally)
}

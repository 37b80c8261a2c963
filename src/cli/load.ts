// The load the main job counts: simulated producer threads by default, or
// real kafkajs producers in worker threads with --brokers.
import type { AnyTally as Tally } from '../engine/tally.js'
import type { JobOptions } from './args.js'
import { startSimulatedProducers } from './simulated-producers.js'
import { needPeer } from './peers.js'

export const SIMULATED_TOPICS = ['orders', 'payments', 'audit.log', 'user_events']

export interface Load {
  describe: string
  /** Deliveries recorded so far, where the load can tell. */
  recorded?: () => number
  /** Stops the producers; resolves with the exact number of deliveries they recorded, and per topic where the load can tell. */
  stop (): Promise<{ total: number, byTopic?: Map<string, number> }>
}

export async function startLoad (tally: Tally, o: JobOptions): Promise<Load> {
  if (o.brokers === undefined) {
    const producers = startSimulatedProducers(tally, { ...o, topics: o.topics ?? SIMULATED_TOPICS })
    return { describe: `${o.workers} simulated producer threads`, recorded: () => producers.recorded(), stop: async () => ({ total: await producers.stop() }) }
  }
  const { startKafkajsLoad } = await import('./kafkajs-load.js').catch(needPeer('kafkajs', '--brokers'))
  const producers = await startKafkajsLoad({ brokers: o.brokers, tally, workers: o.workers, topics: o.topics })
  return {
    describe: `${o.workers} kafkajs producer threads -> ${o.brokers} (topics ${producers.topics.join(', ')})`,
    async stop () {
      const totals = await producers.stop()
      let attempted = 0
      for (const n of totals.attempted.values()) attempted += n
      return { total: attempted, byTopic: totals.attempted }
    }
  }
}

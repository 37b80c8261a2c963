// Taking the snapshot lock from the host: try, wait for the holder, and take
// over an expired lease (a flusher that died holding the lock).
import type { CoreExports } from './core.js'
import { H_LOCK, LOCK_BUSY, TABLE_BASE } from './generated/constants.js'

/** Waits up to `ms` for the lock word to change; spins where blocking waits are not allowed. */
function pause (lockWord: Int32Array, index: number, ms: number): void {
  const seen = Atomics.load(lockWord, index)
  if (seen === 0) return
  try {
    Atomics.wait(lockWord, index, seen, ms)
  } catch {
    // A browser main thread may not block: spin for the same time.
    const until = Date.now() + ms
    while (Date.now() < until && Atomics.load(lockWord, index) === seen) { /* spin */ }
  }
}

/**
 * Takes the lock, waiting at most `waitMs` (the holder's lease expiring counts
 * as a release). Returns the module's LOCK_TAKEN, LOCK_RECOVERED, or LOCK_BUSY on time-out.
 */
export function acquire (core: CoreExports, lockWord: Int32Array, owner: number, leaseMs: number, waitMs: number): number {
  const giveUp = Date.now() + waitMs
  const index = (TABLE_BASE + H_LOCK) >>> 2 // the lock word's low half, for Atomics.wait
  for (;;) {
    const now = Date.now()
    const got = core.lockTry(owner, now, leaseMs)
    if (got !== LOCK_BUSY) return got
    if (now >= giveUp) return LOCK_BUSY
    const leaseLeft = core.lockDeadline() - now + 1
    pause(lockWord, index, Math.max(1, Math.min(leaseLeft, giveUp - now, 50)))
  }
}

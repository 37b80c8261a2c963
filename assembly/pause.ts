// Pause points, for the test suite only. The core calls pausePoint(step) at
// each step the protocol model (model/) names inside a wasm call; the release
// build compiles every call out (PAUSE_POINTS is defined only by the "pause"
// target, asconfig.json), so build/tally.wasm is byte for byte what it is
// without them. build/tally-pause.wasm, built from the same sources with
// PAUSE_POINTS defined, lets a test stop a thread at a step, take the lock
// over from another thread, and then let it go on.
//
// The control words live below the table (TABLE_BASE), in the same shared
// memory, so the pause core imports nothing but env.memory:
//   ARMED   the step to stop at (0: none)
//   SKIP    how many hits of it to let pass first
//   PAUSED  the step a thread is stopped at (0: none); notified on change
//   DETAIL  what the step was at (a word's byte offset, a row, a seq)
//   GO      set to a step to let the thread stopped at it go on
// The first thread to reach the armed step after SKIP hits disarms it and
// stops; every other thread, and every other step, runs on. Arming another
// step while one thread is stopped stops a second thread: each goes on when
// GO names its own step.

export const PAUSE_CONTROL: usize = 512;
export const PAUSE_ARMED: usize = 0;
export const PAUSE_SKIP: usize = 4;
export const PAUSE_PAUSED: usize = 8;
export const PAUSE_DETAIL: usize = 12;
export const PAUSE_GO: usize = 16;

// The steps (the model's names in model/README.md).
export const STEP_OPEN_READ: i32 = 1; // batchOpen: after its load of PENDING
export const STEP_EPOCH: i32 = 2; // batchOpen: after the add on EPOCH, before any counter load
export const STEP_COUNTER_LOAD: i32 = 3; // forming: a turn's counters loaded (two words; or a sum's word read again), its stage store not yet made
export const STEP_STAGE_STORE: i32 = 4; // forming: after a turn's stage store, before the next turn's loads
export const STEP_PENDING_CAS: i32 = 5; // batchOpen: the stage formed, before the CAS that makes it pending
export const STEP_BATCH_READ: i32 = 6; // writing the batch region: after a row (forming or re-reading)
export const STEP_ACK_CAS: i32 = 7; // batchAck: after its load and check of PENDING, before its CAS
export const STEP_REDUCE: i32 = 8; // reduce: after its check of PENDING, before the base store
export const STEP_RENAME_CAS: i32 = 9; // batchRename: after the add on EPOCH, before its CAS
export const STEP_LOCK_CAS: i32 = 10; // lockTry: after its load of the lock word, before its CAS
export const STEP_RENEW_CAS: i32 = 11; // lockRenew: before its CAS
export const STEP_RELEASE_CAS: i32 = 12; // lockRelease: before its CAS
export const STEP_ACK_READ: i32 = 13; // batchAck: called (the host renewed its lease just before), PENDING not yet read
export const STEP_CLAIM_CAS: i32 = 14; // claimFlush: the interval checked, before its CAS (not a step of the model: the throttle)
export const STEP_DIR_PUBLISH: i32 = 15; // directory: a key's entry claimed and its slot stored, not yet published (ready)
export const STEP_DIR_WAIT: i32 = 16; // directory: a resolver waiting on a claim of the same hash, after a load of its state
export const STEP_LAST: i32 = 16;

/** Stops here if the test armed `step` (pause build only; nothing in the release build). */
// @ts-ignore: decorator
@inline export function pausePoint(step: i32, detail: u32): void {
  // @ts-ignore: defined only by the pause target's `--use PAUSE_POINTS=1`
  if (isDefined(PAUSE_POINTS)) stopAt(step, detail);
}

function stopAt(step: i32, detail: u32): void {
  const c = PAUSE_CONTROL;
  if (atomic.load<i32>(c + PAUSE_ARMED) != step) return;
  if (atomic.sub<i32>(c + PAUSE_SKIP, 1) > 0) return;
  if (atomic.cmpxchg<i32>(c + PAUSE_ARMED, step, 0) != step) return;
  atomic.store<u32>(c + PAUSE_DETAIL, detail);
  atomic.store<i32>(c + PAUSE_PAUSED, step);
  atomic.notify(c + PAUSE_PAUSED);
  for (;;) {
    const go = atomic.load<i32>(c + PAUSE_GO);
    if (go == step) break;
    atomic.wait<i32>(c + PAUSE_GO, go, -1);
  }
  atomic.store<i32>(c + PAUSE_GO, 0);
  atomic.store<i32>(c + PAUSE_PAUSED, 0);
  atomic.notify(c + PAUSE_PAUSED);
}

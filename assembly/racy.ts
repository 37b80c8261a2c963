// A deliberately broken engine, built only for the test suite: the writer does
// a plain read-modify-write and the snapshot reads then clears the live buffer
// with no swap. The stress harness must report the counts this loses.
export { bytesFor, create, attach, takeTicket, tableCapacity, tableStripes,
  epoch, overflowTopics, registered, stripesInUse } from "./table";
export { scratchAcquire, scratchRelease, resolve, slotKey, slotKeyLength } from "./directory";
export { cell, claimFlush, take } from "./counters";
export { lockTry, lockRelease, lockDeadline, lockAddress } from "./lock";
import { TABLE_BASE, H_EPOCH, OUTCOMES, CELL_BYTES, capacity, stagingBase, stripeBytes } from "./layout";
import { registered, stripesInUse } from "./table";
import { cell } from "./counters";

export function add(cell0: usize, n: f64): void {
  store<u64>(cell0, load<u64>(cell0) + <u64>n);
}

export function inc(cell0: usize): void {
  store<u64>(cell0, load<u64>(cell0) + 1);
}

export function flip(nowMs: f64): u32 {
  atomic.add<u64>(TABLE_BASE + H_EPOCH, 1);
  return 0;
}

export function drain(buffer: u32): void {
  const used = stripesInUse();
  const n = registered();
  for (let slot: u32 = 0; slot <= n; slot++) {
    const row = slot == n ? capacity : slot;
    for (let o: u32 = 0; o < OUTCOMES; o++) {
      const staging = stagingBase + (<usize>row * <usize>OUTCOMES + <usize>o) * CELL_BYTES;
      for (let s: u32 = 0; s < used; s++) {
        const p = cell(s, row, o);
        const v = load<u64>(p);
        store<u64>(p, 0);
        store<u64>(staging, load<u64>(staging) + v);
      }
    }
  }
}

// A deliberately broken engine, built only for the test suite: the writer does
// a plain read-modify-write and the snapshot reads then clears the live buffer
// with no swap. The stress harness must report the counts this loses.
export { bytesFor, maxTableBytes, create, attach, takeTicket, tableCapacity, tableStripes, tableId, tableRowCells, schemaAddress, schemaLength,
  epoch, pendingBatch, overflowTopics, registered, stripesInUse } from "./table";
export { scratchAcquire, scratchRelease, resolve, slotKey, slotKeyLength } from "./directory";
export { cell, claimFlush, peek, nonZero, reduce, batchAck, take, pendingClear } from "./counters";
export { lockTry, lockRenew, lockRelease, lockDeadline, lockAddress } from "./lock";
import { TABLE_BASE, H_EPOCH, H_PENDING, CELL_BYTES, capacity, rowCells, stagingBase } from "./layout";
import { registered, stripesInUse } from "./table";
import { cell } from "./counters";

export function add(cell0: usize, n: f64): void {
  store<u64>(cell0, load<u64>(cell0) + <u64>n);
}

export function inc(cell0: usize): void {
  store<u64>(cell0, load<u64>(cell0) + 1);
}

// A histogram without the swap: plain read-modify-writes on the live buffer.
export function observe(sum0: usize, bucket: u32, nanos: f64): void {
  const b = sum0 + CELL_BYTES * (1 + <usize>bucket);
  store<u64>(b, load<u64>(b) + 1);
  store<u64>(sum0, load<u64>(sum0) + <u64>nanos);
}

export function flip(nowMs: f64): f64 {
  return <f64>(atomic.add<u64>(TABLE_BASE + H_EPOCH, 1) + 1);
}

export function drain(): void {
  const used = stripesInUse();
  const n = registered();
  for (let slot: u32 = 0; slot <= n; slot++) {
    const row = slot == n ? capacity : slot;
    for (let o: u32 = 0; o < rowCells; o++) {
      const staging = stagingBase + (<usize>row * <usize>rowCells + <usize>o) * CELL_BYTES;
      for (let s: u32 = 0; s < used; s++) {
        const p = cell(s, row, o);
        const v = load<u64>(p);
        store<u64>(p, 0);
        store<u64>(staging, load<u64>(staging) + v);
      }
    }
  }
}

export function batchOpen(nowMs: f64): f64 {
  const pending = atomic.load<u64>(TABLE_BASE + H_PENDING);
  if (pending != 0) return <f64>pending;
  const e = flip(nowMs);
  drain();
  atomic.store<u64>(TABLE_BASE + H_PENDING, <u64>e);
  return e;
}

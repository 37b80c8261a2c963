// A deliberately broken engine, built only for the test suite: the naive
// pattern. Writers do a plain read-modify-write, and a batch is formed by
// reading each counter and storing 0 back (read-and-reset) instead of reading
// cumulative counters. The stress harness must report the counts this loses.
export { bytesFor, create, attach, takeTicket, tableCapacity, tableStripes, tableId, tableRowCells, address, schemaLength,
  epoch, pendingBatch, overflowTopics, registered, stripesInUse } from "./table";
export { scratchAcquire, scratchRelease, resolve, slotKey, slotKeyLength } from "./directory";
export { cell, claimFlush, batchBig, defer, peek, reduce, batchRename, batchAck } from "./counters";
export { lockTry, lockRenew, lockRelease, lockDeadline } from "./lock";
import { TABLE_BASE, H_EPOCH, H_PENDING, CELL_BYTES, capacity, rowCells, totalsBase, batchBase, batchListBase, regionBytes } from "./layout";
import { registered, stripesInUse } from "./table";
import { cell } from "./counters";
import { inRange, unitsOf, bucketOf } from "./histogram";

export function add(cell0: usize, n: f64): void {
  store<u64>(cell0, load<u64>(cell0) + <u64>n);
}

export function inc(cell0: usize): void {
  store<u64>(cell0, load<u64>(cell0) + 1);
}

export function addObserve(a0: usize, a: f64, b0: usize, b: f64, sum0: usize, hist: usize, v: f64): bool {
  if (a != 0) add(a0, a);
  if (b != 0) add(b0, b);
  return observe(sum0, hist, v);
}

export function observe(sum0: usize, hist: usize, v: f64): bool {
  if (!inRange(hist, v)) return false;
  const b = sum0 + CELL_BYTES * (2 + bucketOf(hist, v));
  store<u64>(b, load<u64>(b) + 1);
  store<u64>(sum0, load<u64>(sum0) + unitsOf(hist, v));
  return true;
}

let rows: u32 = 0;

export function batchRows(): u32 {
  return rows;
}

export function batchOpen(nowMs: f64): f64 {
  const p = atomic.load<u64>(TABLE_BASE + H_PENDING);
  const base = <usize>(p & 1);
  if (p >> 1 != 0) return <f64>(p >> 1);
  const e = atomic.add<u64>(TABLE_BASE + H_EPOCH, 1) + 1;
  const used = stripesInUse();
  const n = registered();
  rows = 0;
  for (let slot: u32 = 0; slot <= n; slot++) {
    const row = slot == n ? capacity : slot;
    let any: u64 = 0;
    for (let c: u32 = 0; c < rowCells; c++) {
      const at = (<usize>row * <usize>rowCells + <usize>c) * CELL_BYTES;
      let moved: u64 = 0;
      for (let s: u32 = 0; s < used; s++) {
        const p = cell(s, row, c);
        moved += load<u64>(p);
        store<u64>(p, 0); // a writer's add between the load and this store is lost
      }
      const from = load<u64>(totalsBase + base * regionBytes + at);
      store<u64>(totalsBase + (base ^ 1) * regionBytes + at, from + moved);
      store<f64>(batchBase + at, <f64>moved);
      any |= moved;
    }
    if (slot < n && any != 0) {
      store<u32>(batchListBase + (<usize>rows << 2), slot);
      rows++;
    }
  }
  atomic.store<u64>(TABLE_BASE + H_PENDING, e << 1 | <u64>base);
  return <f64>e;
}

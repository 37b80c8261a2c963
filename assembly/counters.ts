// The counters: [buffer 0|1][stripe][slot][cell] as 64-bit words, a staging
// row per slot that holds the pending batch, and the moves between them. A row
// is `rowCells` cells: the schema's columns, then for each histogram its sum
// (in nano-units) and its buckets. A histogram bucket is one more
// counter cell, so everything below holds for histograms unchanged.
//
// The invariant. Every unit a writer adds is, at every instant, in exactly one
// place: a counter word of buffer 0 or 1, a staging word, or a batch that a
// flusher has been handed and acknowledged. It moves only by single atomic
// instructions, so no interleaving can copy it or drop it:
//
//   writer:  b = load(ACTIVE); add(counter[b][stripe][slot][c], n)
//   observe: b = load(ACTIVE); add(bucket[b], 1); add(sum[b], nanos)
//   flip:    e = add(EPOCH, 1) + 1; ACTIVE ^= 1          (lock held)
//   drain:   add(staging[w], xchg(counter[old][..][w], 0)) (lock held)
//   batch:   PENDING = e; staging is read (not moved) and handed to a sink
//   ack:     staging[w] = 0 for every w; PENDING = 0       (lock held, batch e)
//   take:    e = batchOpen(); xchg(staging[w], 0); PENDING = 0 (snapshot(): lock held)
//
// The cases that make it hard, and why each is safe:
// - A late writer read ACTIVE before a flip and adds after the drain: its unit
//   stays in the old buffer, which the next-but-one flip drains. Late by one
//   batch, never lost; once writers stop, two flips drain both buffers.
// - Two flushers after a lease takeover: the first may still be draining when
//   the second flips. Both move words with xchg, so each unit goes to one of
//   them, into the one staging row. Each flip's batch is named by the value its
//   own atomic add returned, never by a later read of EPOCH, so two flips
//   never report the same epoch.
// - A flusher killed at any point: before the flip nothing moved; between
//   flip and PENDING, the units are in staging and the next flusher's drain adds
//   to them (a batch is formed only when PENDING is 0, and the next one forms
//   with everything in staging); after PENDING, the next flusher finds the
//   batch pending and delivers it again under the same epoch, so a reader that
//   keeps the first delivery of each batch id counts it once. The xchg and the
//   add of a drained word sit in one straight-line block: V8 interrupts a
//   thread only at function entries and loop back-edges.
// - A slow flusher acks after its lease was taken over: the host renews the
//   lease (compare-and-swap) before acking, and ack checks that PENDING is still
//   its batch, so a flusher that lost the lock never clears staging. A takeover
//   during the ack itself can hand the next flusher a partly zeroed batch under
//   the same id: a subset of one already delivered whole, dropped by a reader
//   that deduplicates, and never a unit of another batch.
// - A slot registered or a stripe first used during a drain: drain reads the
//   slot and stripe counts once, at its start. A row added later was empty at
//   the flip or is written in the new buffer; a stripe first used later takes
//   the new buffer too. Either way the next flip drains it.
// - An observation a flip splits (its bucket before the flip, its sum after):
//   both cells are counters like any other and move whole, so the totals over
//   snapshots are exact; one snapshot may hold a bucket whose sum comes in the
//   next. The count is not a cell: the host reports the sum of the buckets it
//   read, so within a snapshot count = sum(counts) always.
// - A topic registered twice (a claimer stalled past the directory's wait,
//   directory.ts): two rows with one name; each drains like any row and the
//   host merges rows by name.
import {
  TABLE_BASE, H_ACTIVE, H_EPOCH, H_LAST_FLUSH, H_PENDING, CELL_BYTES,
  capacity, rowCells, countersBase, stagingBase, stripeBytes, bufferBytes,
} from "./layout";
import { registered, stripesInUse } from "./table";

// The buffer the last flip of this instance took out of use (thread-local).
let flipped: u32 = 0;

/** Address, in buffer 0, of a stripe's counter for a slot and cell. */
export function cell(stripe: u32, slot: u32, c: u32): usize {
  return countersBase + <usize>stripe * stripeBytes
    + (<usize>slot * <usize>rowCells + <usize>c) * CELL_BYTES;
}

/** The hot path: one atomic load of the active buffer, one atomic add. */
export function add(cell0: usize, n: f64): void {
  const b = <usize>atomic.load<u32>(TABLE_BASE + H_ACTIVE);
  atomic.add<u64>(cell0 + b * bufferBytes, <u64>n);
}

/** Adds one: the same as add(cell0, 1) without the number conversion. */
export function inc(cell0: usize): void {
  const b = <usize>atomic.load<u32>(TABLE_BASE + H_ACTIVE);
  atomic.add<u64>(cell0 + b * bufferBytes, 1);
}

/**
 * One observation of a histogram whose sum cell (in buffer 0) is `sum0`; its
 * buckets follow. One atomic load and two adds, no lock.
 */
export function observe(sum0: usize, bucket: u32, nanos: f64): void {
  const at = sum0 + <usize>atomic.load<u32>(TABLE_BASE + H_ACTIVE) * bufferBytes;
  atomic.add<u64>(at + CELL_BYTES * (1 + <usize>bucket), 1);
  atomic.add<u64>(at, <u64>nanos);
}

/** Points writers at the other buffer; returns this flip's epoch (the value the add produced). */
export function flip(nowMs: f64): f64 {
  const old = atomic.load<u32>(TABLE_BASE + H_ACTIVE);
  atomic.store<u32>(TABLE_BASE + H_ACTIVE, old ^ 1);
  flipped = old;
  const e = atomic.add<u64>(TABLE_BASE + H_EPOCH, 1) + 1;
  atomic.store<u64>(TABLE_BASE + H_LAST_FLUSH, <u64>nowMs);
  return <f64>e;
}

/**
 * The table-wide flush turn: true for at most one caller per `intervalMs`,
 * across every thread, counting from the last snapshot or won claim.
 */
export function claimFlush(nowMs: f64, intervalMs: f64): bool {
  const word = TABLE_BASE + H_LAST_FLUSH;
  const last = atomic.load<u64>(word);
  if (nowMs - <f64>last < intervalMs) return false;
  return atomic.cmpxchg<u64>(word, last, <u64>nowMs) == last;
}

/**
 * Moves everything in the buffer the last flip retired into the staging rows:
 * stripe by stripe, each stripe's rows in address order.
 */
export function drain(): void {
  const used = stripesInUse();
  const n = registered();
  const cells = <usize>rowCells;
  const words = <usize>n * cells;
  const overflowWord = <usize>capacity * cells;
  for (let s: u32 = 0; s < used; s++) {
    const row = countersBase + <usize>flipped * bufferBytes + <usize>s * stripeBytes;
    for (let w: usize = 0; w < words; w++) moveWord(row + w * CELL_BYTES, stagingBase + w * CELL_BYTES);
    for (let c: usize = 0; c < cells; c++) {
      moveWord(row + (overflowWord + c) * CELL_BYTES, stagingBase + (overflowWord + c) * CELL_BYTES);
    }
  }
}

// @ts-ignore: decorator
@inline function moveWord(from: usize, to: usize): void {
  if (atomic.load<u64>(from) != 0) atomic.add<u64>(to, atomic.xchg<u64>(from, 0));
}

/**
 * The batch to deliver (lock held): the pending one if a batch is waiting in
 * staging, else a new one formed by a flip and a drain. Returns its epoch.
 */
export function batchOpen(nowMs: f64): f64 {
  const pending = atomic.load<u64>(TABLE_BASE + H_PENDING);
  if (pending != 0) return <f64>pending;
  const e = flip(nowMs);
  drain();
  atomic.store<u64>(TABLE_BASE + H_PENDING, <u64>e);
  return e;
}

/** Reads a staging word without moving it. */
export function peek(slot: u32, c: u32): f64 {
  return <f64>atomic.load<u64>(stagingWord(slot, c));
}

/**
 * Which of the 32 staging cells of a slot from `from` on hold anything (bit i
 * for cell from + i): the host reads only those, one call per row instead of
 * one per cell.
 */
export function nonZero(slot: u32, from: u32): u32 {
  const end = min(rowCells, from + 32);
  let mask: u32 = 0;
  for (let c = from; c < end; c++) {
    if (atomic.load<u64>(stagingWord(slot, c)) != 0) mask |= <u32>1 << (c - from);
  }
  return mask;
}

/** Removes `n` delivered units from a staging word (partial delivery; lock held, n <= peek). */
export function reduce(slot: u32, c: u32, n: f64): void {
  if (n > 0) atomic.sub<u64>(stagingWord(slot, c), <u64>n);
}

/**
 * Acknowledges batch `seq` (lock held): clears staging, then PENDING. False
 * when staging no longer holds that batch (another flusher took it over).
 */
export function batchAck(seq: f64): bool {
  if (atomic.load<u64>(TABLE_BASE + H_PENDING) != <u64>seq) return false;
  const words = <usize>registered() * <usize>rowCells;
  for (let w: usize = 0; w < words; w++) atomic.store<u64>(stagingBase + w * CELL_BYTES, 0);
  for (let c: u32 = 0; c < rowCells; c++) atomic.store<u64>(stagingWord(capacity, c), 0);
  atomic.store<u64>(TABLE_BASE + H_PENDING, 0);
  return true;
}

/** Takes a staging word out (resets it); exact up to 2^53. */
export function take(slot: u32, c: u32): f64 {
  const staging = stagingWord(slot, c);
  if (atomic.load<u64>(staging) == 0) return 0;
  return <f64>atomic.xchg<u64>(staging, 0);
}

/** After snapshot() took every staging word of batch `seq`: no batch is pending any more. */
export function pendingClear(seq: f64): void {
  atomic.cmpxchg<u64>(TABLE_BASE + H_PENDING, <u64>seq, 0);
}

// @ts-ignore: decorator
@inline function stagingWord(slot: u32, c: u32): usize {
  return stagingBase + (<usize>slot * <usize>rowCells + <usize>c) * CELL_BYTES;
}

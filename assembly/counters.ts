// The counters and the batches read out of them. A row is `rowCells` cells:
// the schema's columns, then for each histogram its sum (in nano-units) and its
// buckets. A histogram bucket is one more counter cell, so everything below
// holds for histograms unchanged.
//
// Three kinds of 64-bit words:
//   counter[stripe][slot][cell]  cumulative: writers only ever add to them,
//                                and nobody resets them
//   totals[0|1][slot][cell]      two regions, written only by the lock holder:
//                                the BASE (the totals already delivered and
//                                acknowledged) and the STAGE (the totals when
//                                the pending batch was formed)
//   PENDING = seq << 1 | b       the pending batch (seq 0: none) and which
//                                region is the base; the stage is 1 - b
// A batch is, per cell, stage - base. Everything counted is, at every
// instant, either acknowledged (in the base) or not: the base only moves by
// one atomic step, the ack's compare-and-swap on PENDING.
//
//   writer:  add(counter[stripe][slot][c], n)               (one instruction)
//   observe: add(bucket, 1); add(sum, units) (and its carry: histogram.ts)
//   form:    e = add(EPOCH, 1) + 1; for every word:
//            stage[w] = sum over stripes of load(counter[s][w]);
//            CAS(PENDING, 0 << 1 | b -> e << 1 | b)          (lock held)
//   read:    batch[w] = stage[w] - base[w]
//   ack:     CAS(PENDING, e << 1 | b -> 0 << 1 | (1 - b))    (lock held)
//
// Why nothing is lost or counted twice:
// - Counters only grow, so a later sum over the stripes is at least every
//   earlier one, word by word, however the loads interleave with writers. A
//   unit added before a word's load is in that batch; one added after is in
//   the next. Batches telescope: their sum is the last acknowledged total,
//   exactly, with no unit in two batches. Counters wrap modulo 2^64 and so
//   does the subtraction: exact while a word gains less than 2^64 between two
//   formations. A batch takes at most 2^53 - 1 of a count cell (defer():
//   its stage stops there), so the host reads every count as an exact number;
//   the rest waits in the counters for the next batch.
// - Each load of a counter must be untorn: the 8 bytes of one value a
//   writer's add left there (a torn word could be below an earlier load, or
//   above the truth). writeRow() loads a row two words a turn, one v128.load
//   per stripe at a 16-byte aligned address, summed lane by lane, where wasm
//   has no atomic load: its memory model lets a plain load that races with a
//   write tear. Each 8-byte lane is read whole by what runs the core: V8
//   (Node, Deno, Chromium, workerd) and JavaScriptCore (Bun) compile
//   v128.load to one 16-byte vector load. On arm64 (ldr q) a 128-bit load
//   from a 64-bit aligned address is a pair of single-copy-atomic 64-bit
//   reads (Arm ARM, B2.2.1). On x64 (movdqu) processors with AVX make an
//   aligned 16-byte load one atomic access (AMD APM vol. 2, 7.3.2; Intel SDM
//   vol. 3A, 9.1.1, which names the aligned-move forms: movdqu at an aligned
//   address is the same load); before AVX the manuals let an SSE access
//   wider than 8 bytes be split, and the processors split it into its
//   aligned 8-byte halves. The words need no order among themselves except a
//   histogram sum's HI before its LO (histogram.ts), which plain loads do
//   not give on arm64: after the row's turns, the sum's two words are read
//   again with atomic loads, HI on every stripe and then LO, and those are
//   what the stage keeps. (test/stress*.test.mjs count every unit through
//   this, with writers on several stripes.)
// - No writer is ever moved, swapped or waited on: a writer that runs during
//   a formation is simply early or late by one batch.
// - A flusher killed at any point: before its CAS on PENDING the stage it
//   half wrote is not a batch, and the next formation writes it whole again;
//   after it, the batch is pending and the next flusher delivers it again
//   under the same seq (a reader keeps the first delivery of each id). The
//   ack is one CAS, so no batch is ever half acknowledged.
// - A slow flusher whose lease was taken over: its ack is a CAS on the exact
//   (seq, base) it opened, and seqs never repeat (each is the value its own
//   atomic add returned), so it cannot acknowledge another batch; the host
//   renews the lease before acking and re-reads PENDING after reading a
//   batch, before handing it on. The one assumption: a holder does not stall
//   past its lease inside these sub-millisecond steps (a stage store made that
//   late could land in a region that has since become a base; model/ shows it).
// - Partial delivery (reduce): the base of a word advances by what was
//   delivered, then batchRename() gives the rest a new seq by one CAS (a
//   flusher that dies between its last reduce and that CAS leaves the rest
//   pending under the old seq).
// - A slot registered or a stripe first used during a formation: it reads
//   registered() and stripesInUse() once, at its start. Both only grow; a row
//   or stripe it did not read is read, whole, by the next formation.
// - A histogram's sum is two counter cells (histogram.ts says why a batch's
//   sum, read from both, is exact); writeRow() writes it as one number.
// - An observation a formation splits (its bucket read before it lands, its
//   sum after): its cells are counters like any other, so the totals over
//   batches are exact; one batch may hold a bucket whose sum comes in the
//   next. The count is not a cell: the host reports the sum of the buckets it
//   read, so within a batch count = sum(counts) always.
// - A topic registered twice (a claimer stalled past the directory's wait,
//   directory.ts): two rows with one name; the host merges rows by name.
import {
  TABLE_BASE, H_EPOCH, H_LAST_FLUSH, H_PENDING, CELL_BYTES,
  capacity, rowCells, countersBase, stripeBytes, totalsBase, batchBase, batchListBase, regionBytes, histBase, histograms,
} from "./layout";
import { registered, stripesInUse } from "./table";
import { sumCellOf, sumDelta, sumAdd } from "./histogram";
import {
  pausePoint, STEP_OPEN_READ, STEP_EPOCH, STEP_COUNTER_LOAD, STEP_STAGE_STORE, STEP_PENDING_CAS,
  STEP_BATCH_READ, STEP_ACK_READ, STEP_ACK_CAS, STEP_REDUCE, STEP_RENAME_CAS, STEP_CLAIM_CAS,
} from "./pause";

/** Address of a stripe's counter for a slot and cell. */
export function cell(stripe: u32, slot: u32, c: u32): usize {
  return countersBase + <usize>stripe * stripeBytes + wordOf(slot, c);
}

/** The hot path: one atomic add. */
export function add(cell0: usize, n: f64): void {
  atomic.add<u64>(cell0, <u64>n);
}

/** Adds one: the same as add(cell0, 1) without the number conversion. */
export function inc(cell0: usize): void {
  atomic.add<u64>(cell0, 1);
}

/**
 * The table-wide flush turn: true for at most one caller per `intervalMs`,
 * across every thread, counting from the last snapshot or won claim.
 */
export function claimFlush(nowMs: f64, intervalMs: f64): bool {
  const word = TABLE_BASE + H_LAST_FLUSH;
  const last = atomic.load<u64>(word);
  if (nowMs - <f64>last < intervalMs) return false;
  pausePoint(STEP_CLAIM_CAS, 0);
  return atomic.cmpxchg<u64>(word, last, <u64>nowMs) == last;
}

/**
 * The batch to deliver (lock held): the pending one if there is one, else a
 * new one formed from the counters. Either way its cells are written, as
 * f64, to the batch region (address(REGION_BATCH)) for the host to read. Returns its seq.
 */
export function batchOpen(nowMs: f64): f64 {
  const word = TABLE_BASE + H_PENDING;
  for (;;) {
    const p = atomic.load<u64>(word);
    pausePoint(STEP_OPEN_READ, <u32>p);
    const base = <usize>(p & 1);
    if (p >> 1 != 0) {
      readBatch(base);
      return <f64>(p >> 1);
    }
    const e = atomic.add<u64>(TABLE_BASE + H_EPOCH, 1) + 1;
    pausePoint(STEP_EPOCH, <u32>e);
    atomic.store<u64>(TABLE_BASE + H_LAST_FLUSH, <u64>nowMs);
    form(base);
    pausePoint(STEP_PENDING_CAS, <u32>e);
    // Fails only if a holder that took the lock over changed PENDING: open again.
    if (atomic.cmpxchg<u64>(word, p, e << 1 | <u64>base) == p) return <f64>e;
  }
  return unreachable();
}

/** The most a batch holds of a count cell: Number.MAX_SAFE_INTEGER. */
export const MAX_BATCH_CELL: u64 = (<u64>1 << 53) - 1;

// Rows of the open batch with anything in them, and whether any cell is past
// MAX_BATCH_CELL (thread-local: the holder's).
let rowsWithCounts: u32 = 0;
let big: bool = false;

/** Forms a new stage from the counters, then writes the batch. */
function form(base: usize): void {
  writeBatch(base, true);
}

/** Writes the batch of the pending stage again (opened after a takeover or a failed sink). */
function readBatch(base: usize): void {
  writeBatch(base, false);
}

/**
 * Writes the batch region, stage - base per cell as f64, and the list of
 * registered rows that hold anything. With `forming`, each stage word is
 * first written: the sum over the stripes in use of that word's counters.
 */
function writeBatch(base: usize, forming: bool): void {
  const used = <usize>stripesInUse();
  const n = registered();
  const stage = totals(base ^ 1);
  const from = totals(base);
  let listed: u32 = 0;
  big = false;
  // The registered rows, then the overflow row (never listed).
  for (let i: u32 = 0; i <= n; i++) {
    const slot = i < n ? i : capacity;
    if (writeRow(<usize>slot, used, stage, from, forming) && i < n) {
      store<u32>(batchListBase + (<usize>listed << 2), slot);
      listed++;
    }
    pausePoint(STEP_BATCH_READ, slot);
  }
  rowsWithCounts = listed;
}

// A cell d below 2^52 becomes its f64 without a conversion instruction (wasm
// has none from i64x2 to f64x2): the f64 whose bits are those of 2^52 or'ed
// with d is 2^52 + d exactly; less 2^52, d.
const TWO52: f64 = 4503599627370496.0;
const TWO52_BITS: u64 = 0x4330000000000000;

/**
 * One row of writeBatch(); true when any of its cells holds anything. Two
 * words a turn at 16-byte aligned addresses (the header says why a lane is
 * read untorn): one v128 per stripe in use, summed lane by lane, or, on one
 * stripe, a copy with no loop over stripes (a third less time). A row that
 * starts or ends between two such words reads its neighbour's word in that
 * turn and stores that word's stage and batch cells back as they were (only
 * the lock holder writes them; the region's end is 64-byte aligned, so the
 * last read stays in it). A row with a cell of 2^52 or more (rare) is written
 * again a word at a time. Inlined into writeBatch's one call: no call a row.
 */
// @ts-ignore: decorator
@inline function writeRow(slot: usize, used: usize, stage: usize, from: usize, forming: bool): bool {
  const first = slot * <usize>rowCells * CELL_BYTES;
  const end = first + <usize>rowCells * CELL_BYTES;
  // Locals, not globals, in the loops (V8 reads a global from the instance at
  // each use); 2^52's bits made from a run-time value (used < 2^31), so the
  // module carries one splat instead of a 17-byte v128.const at each use.
  const counters = countersBase;
  const stride = stripeBytes;
  const batch = batchBase;
  const bits = i64x2.splat(TWO52_BITS | <u64>(used >> 31));
  let all = i64x2.splat(0);
  const fast = forming && used == 1;
  let at = first & ~(2 * CELL_BYTES - 1);
  for (;; at += 2 * CELL_BYTES) {
    if (fast && at >= first) {
      for (; at + 2 * CELL_BYTES <= end; at += 2 * CELL_BYTES) {
        const total = v128.load(counters + at);
        pausePoint(STEP_COUNTER_LOAD, <u32>at);
        v128.store(stage + at, total);
        pausePoint(STEP_STAGE_STORE, <u32>at);
        const d = i64x2.sub(total, v128.load(from + at));
        all = v128.or(all, d);
        v128.store(batch + at, f64x2.sub(v128.or(d, bits), bits));
      }
    }
    if (at >= end) break;
    let total: v128;
    if (forming) {
      // Counted by stripes, not by an end address: the last stripe's end may be 2^32.
      let p = counters + at;
      total = v128.load(p);
      for (let s: usize = 1; s < used; s++) {
        p += stride;
        total = i64x2.add(total, v128.load(p));
      }
      pausePoint(STEP_COUNTER_LOAD, <u32>at);
    } else {
      total = v128.load(stage + at);
    }
    let d = i64x2.sub(total, v128.load(from + at));
    let cells = f64x2.sub(v128.or(d, bits), bits);
    if (at < first || at + 2 * CELL_BYTES > end) {
      // A word of the neighbour's: its stage and batch cells keep what they hold.
      const mine = i64x2.replace_lane(i64x2.splat(-<i64>(at >= first)), 1, -<i64>(at + CELL_BYTES < end));
      total = v128.bitselect(total, v128.load(stage + at), mine);
      cells = v128.bitselect(cells, v128.load(batch + at), mine);
      d = v128.and(d, mine);
    }
    v128.store(stage + at, total);
    pausePoint(STEP_STAGE_STORE, <u32>at);
    all = v128.or(all, d);
    v128.store(batch + at, cells);
  }
  let any = <u64>(i64x2.extract_lane(all, 0) | i64x2.extract_lane(all, 1));
  // A cell of 2^52 or more: the row's cells written again, each converted alone.
  if (any >> 52 != 0) for (at = first; at < end; at += CELL_BYTES) putCell(at, load<u64>(stage + at) - load<u64>(from + at));
  // Each histogram's sum: its two words read again, HI then LO, with atomic
  // loads (header: HI before LO), and written as one number in the first (the
  // host reads no other).
  for (let j: u32 = 0; j < histograms; j++) {
    at = first + <usize>sumCellOf(histBase, j) * CELL_BYTES;
    let hi = load<u64>(stage + at);
    let lo = load<u64>(stage + at, CELL_BYTES);
    if (forming) {
      hi = sumOver(counters + at, used, stride);
      pausePoint(STEP_COUNTER_LOAD, <u32>at);
      lo = sumOver(counters + at + CELL_BYTES, used, stride);
      pausePoint(STEP_COUNTER_LOAD, <u32>(at + CELL_BYTES));
      store<u64>(stage + at, hi);
      store<u64>(stage + at, lo, CELL_BYTES);
    }
    const bHi = load<u64>(from + at);
    const bLo = load<u64>(from + at, CELL_BYTES);
    any |= (hi - bHi) | (lo - bLo);
    store<f64>(batch + at, sumDelta(hi, lo, bHi, bLo));
  }
  return any != 0;
}

/** A word's counters summed over the stripes in use, one atomic load each, the stripes in order. */
// @ts-ignore: decorator
@inline function sumOver(p: usize, used: usize, stride: usize): u64 {
  let total = atomic.load<u64>(p);
  for (let s: usize = 1; s < used; s++) {
    p += stride;
    total += atomic.load<u64>(p);
  }
  return total;
}

// @ts-ignore: decorator
@inline function putCell(at: usize, d: u64): u64 {
  if (d > MAX_BATCH_CELL) {
    big = true;
    store<f64>(batchBase + at, <f64>d);
  } else {
    store<f64>(batchBase + at, <f64><i64>d);
  }
  return d;
}

/** How many registered rows of the open batch hold anything (the overflow row is not listed). */
export function batchRows(): u32 {
  return rowsWithCounts;
}

/** Whether a cell of the open batch is past 2^53 - 1 (rare: then the host defers its count cells). */
export function batchBig(): bool {
  return big;
}

/**
 * Holds pending batch `seq` to 2^53 - 1 of a cell (lock held, before the batch
 * is handed to anyone): its stage stops there, and the rest stays in the
 * counters for the next batch, so a count reaches the host as an exact
 * number. The host does this for count cells; a histogram's sum (nano-units)
 * goes out whole, as the nearest f64. False when `seq` is not pending.
 */
export function defer(seq: f64, slot: u32, c: u32): bool {
  const p = atomic.load<u64>(TABLE_BASE + H_PENDING);
  if (p >> 1 != <u64>seq || seq == 0) return false;
  const base = <usize>(p & 1);
  const at = wordOf(slot, c);
  const from = load<u64>(totals(base) + at);
  const stage = totals(base ^ 1) + at;
  if (load<u64>(stage) - from > MAX_BATCH_CELL) {
    store<u64>(stage, from + MAX_BATCH_CELL);
    store<f64>(batchBase + at, <f64>MAX_BATCH_CELL);
  }
  return true;
}

/** What the pending batch holds of a count cell now (after any reduce); exact up to 2^53. */
export function peek(slot: u32, c: u32): f64 {
  const base = <usize>(atomic.load<u64>(TABLE_BASE + H_PENDING) & 1);
  const at = wordOf(slot, c);
  return <f64>(load<u64>(totals(base ^ 1) + at) - load<u64>(totals(base) + at));
}

/**
 * Removes `n` delivered units of a cell (with `sum`, of the histogram sum
 * whose first cell it is) from pending batch `seq` (partial
 * delivery; lock held, n <= peek): its base advances. False, changing
 * nothing, when `seq` is no longer pending (a flusher that took the lock over
 * acknowledged it: the base is then another batch's).
 */
export function reduce(seq: f64, slot: u32, c: u32, n: f64, sum: bool): bool {
  const p = atomic.load<u64>(TABLE_BASE + H_PENDING);
  if (p >> 1 != <u64>seq || seq == 0) return false;
  if (n <= 0) return true;
  pausePoint(STEP_REDUCE, <u32>wordOf(slot, c));
  const at = totals(<usize>(p & 1)) + wordOf(slot, c);
  if (sum) sumAdd(at, n);
  else store<u64>(at, load<u64>(at) + <u64>n);
  return true;
}

/**
 * Renames pending batch `seq` (lock held, after a partial delivery's reduce()
 * calls): what it still holds becomes a batch of its own, under a new seq, so
 * a reader that keeps the first delivery of each id does not drop it as a
 * repeat. Returns the new seq, or 0 when `seq` is not pending.
 */
export function batchRename(seq: f64): f64 {
  const word = TABLE_BASE + H_PENDING;
  const p = atomic.load<u64>(word);
  if (p >> 1 != <u64>seq || seq == 0) return 0;
  const e = atomic.add<u64>(TABLE_BASE + H_EPOCH, 1) + 1;
  pausePoint(STEP_RENAME_CAS, <u32>e);
  return atomic.cmpxchg<u64>(word, p, e << 1 | (p & 1)) == p ? <f64>e : 0;
}

/**
 * Acknowledges batch `seq` (lock held): one compare-and-swap makes its stage
 * the base and leaves nothing pending. False when PENDING no longer holds
 * that batch (a flusher that took the lock over acknowledged it).
 */
export function batchAck(seq: f64): bool {
  const word = TABLE_BASE + H_PENDING;
  pausePoint(STEP_ACK_READ, <u32>seq);
  const p = atomic.load<u64>(word);
  if (p >> 1 != <u64>seq || seq == 0) return false;
  pausePoint(STEP_ACK_CAS, <u32>seq);
  return atomic.cmpxchg<u64>(word, p, (p & 1) ^ 1) == p;
}

/** Where totals region `i` (0 or 1) starts. */
// @ts-ignore: decorator
@inline function totals(i: usize): usize {
  return totalsBase + i * regionBytes;
}

/** A cell's byte offset within any region laid out row by row (counters of a stripe, totals, the batch). */
// @ts-ignore: decorator
@inline function wordOf(slot: u32, c: u32): usize {
  return (<usize>slot * <usize>rowCells + <usize>c) * CELL_BYTES;
}

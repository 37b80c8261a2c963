// Histograms: one observation in one call (bucket found here, sum kept in
// whole units), and the sum's two words read back as one number.
//
// The histogram index (written once by the host at create, read-only after):
//   +0 u32 histograms, then a u32 per histogram: its descriptor's offset.
// A descriptor: the scale (units per value unit, 10^k), the largest value,
// the sum cell, the bucket lookup (shift, lowest key, last table entry, the
// table's offset), the bounds (f64, ascending, then +Infinity), the table (u8).
//
// The bucket: bucket i holds bounds[i-1] < v <= bounds[i], so it is the number
// of bounds below v. The key of v, its f64 bits shifted right, only grows with
// v (v >= 0), so table[key] = the bounds whose keys are below v's counts only
// bounds below v. The host picks the shift so a key range holds at most one
// bound where it can: then one compare finishes, and the loop after it, which
// makes the answer exact for any bounds, ends at once (+Infinity stops it).
//
// The sum: two counter cells, HI then LO. LO counts units modulo 2^64; HI
// counts the 2^55-unit boundaries LO's adds cross (each add is at most 2^53
// units, so it crosses at most one, and the thread whose add crosses it sees
// it in the value the add returns, then adds to HI). Summed over the stripes,
// LO and HI are what every word is (sums modulo 2^64), and T = 2^55 * HI + R,
// R = (LO - 2^55 * HI) mod 2^64, because the true R is the sum over stripes
// of (each stripe's units mod 2^55), under 256 * 2^55 with at most 256
// stripes. A formation reads each stripe's HI before its LO (HI is the lower
// address, and words are read in order): every carry in the HI it read had
// its LO add done before, so HI can only lag LO, never lead it. A lagging
// carry (a writer between its two adds, or LO's adds made between the two
// loads) moves 2^55 from HI's part to R's, and T is the same, while fewer
// than 256 of them lag in one formation (2^63 units added between a
// formation's two loads of one sum). Read the other way round, a carry could
// lead its units and R would wrap: a batch with a sum near 2^128. So a
// formation needs nothing new, and a batch's sum, stage T minus base T, is
// exact modulo 2^119 units.
import { CELL_BYTES } from "./layout";

export const D_SCALE: usize = 0;
export const D_MAX: usize = 8;
export const D_SUM_CELL: usize = 16;
export const D_SHIFT: usize = 20;
export const D_KEY_LOW: usize = 24;
export const D_TABLE_LAST: usize = 28;
export const D_TABLE: usize = 32;
export const D_BOUNDS: usize = 40;
export const SUM_CARRY_BITS: u64 = 55;

/**
 * One observation of value `v` for the histogram described at `hist`, whose
 * sum's first cell is `sum0`: HI there, LO next, then the buckets.
 * False, counting nothing, when v is not from 0 to the histogram's largest.
 */
export function observe(sum0: usize, hist: usize, v: f64): bool {
  if (!inRange(hist, v)) return false;
  const units = unitsOf(hist, v);
  atomic.add<u64>(sum0 + CELL_BYTES * (2 + bucketOf(hist, v)), 1);
  const old = atomic.add<u64>(sum0, units, CELL_BYTES); // LO first: HI never leads it
  if ((old ^ (old + units)) >> SUM_CARRY_BITS != 0) atomic.add<u64>(sum0, 1);
  return true;
}

/**
 * A row's outcome in one call (a send: its messages, their bytes, its
 * duration): adds `a` at cell `a0` and `b` at `b0`, each skipped when 0, then
 * observes `v` as observe() does; false when it refuses v (the adds are made).
 */
export function addObserve(a0: usize, a: f64, b0: usize, b: f64, sum0: usize, hist: usize, v: f64): bool {
  if (a != 0) atomic.add<u64>(a0, <u64>a);
  if (b != 0) atomic.add<u64>(b0, <u64>b);
  return observe(sum0, hist, v);
}

/** Whether `v` is from 0 to the histogram's largest value (NaN is not). */
// @ts-ignore: decorator
@inline export function inRange(hist: usize, v: f64): bool {
  return v >= 0 && v <= load<f64>(hist, D_MAX);
}

/** `v` in whole units of the histogram's resolution, rounded as Math.round (v >= 0). */
// @ts-ignore: decorator
@inline export function unitsOf(hist: usize, v: f64): u64 {
  const x = v * load<f64>(hist, D_SCALE);
  const whole = trunc<f64>(x);
  return <u64>whole + <u64>(x - whole >= 0.5);
}

/** The bucket of `v` (0 <= v): the number of bounds below it. */
// @ts-ignore: decorator
@inline export function bucketOf(hist: usize, v: f64): usize {
  // abs: -0 passes the range check, and its sign bit would make the largest key.
  let key = <i64>(reinterpret<u64>(abs<f64>(v)) >> <u64>load<u32>(hist, D_SHIFT)) - <i64>load<i32>(hist, D_KEY_LOW);
  const last = <i64>load<u32>(hist, D_TABLE_LAST);
  key = select<i64>(key, 0, key > 0);
  key = select<i64>(last, key, key > last);
  const bounds = hist + D_BOUNDS;
  let i = <usize>load<u8>(hist + <usize>load<u32>(hist, D_TABLE) + <usize>key);
  i += <usize>(load<f64>(bounds + (i << 3)) < v);
  while (load<f64>(bounds + (i << 3)) < v) i++;
  return i;
}

// @ts-ignore: decorator
@inline function rest(lo: u64, hi: u64): u64 {
  return lo - (hi << SUM_CARRY_BITS);
}

/** A sum's value, its two words (HI, LO) `sHi` and `sLo`, minus another's (`bHi`, `bLo`), as the nearest f64. */
// @ts-ignore: decorator
@inline export function sumDelta(sHi: u64, sLo: u64, bHi: u64, bLo: u64): f64 {
  const dHi = sHi - bHi;
  // The difference is LO's modulo 2^64 always (2^64 is a multiple of 2^55); with
  // HI the same in both it is below 2^64, so it is LO's (every batch but those
  // whose sum crossed a 2^55 boundary: a call a row, no 128-bit arithmetic).
  if (dHi == 0) return <f64>(sLo - bLo);
  const rs = rest(sLo, sHi);
  const rb = rest(bLo, bHi);
  // 128 bits: (dHi << 55) + rs - rb.
  const lo = rs - rb;
  const borrow = <u64>(rs < rb);
  const lo2 = lo + (dHi << SUM_CARRY_BITS);
  const hi = (dHi >> (64 - SUM_CARRY_BITS)) + <u64>(lo2 < lo) - borrow;
  return <f64>hi * 18446744073709551616.0 + <f64>lo2; // hi 0: exactly <f64>lo2
}

/**
 * Adds `n` units (a whole number, under 2^119) to the sum whose two words are
 * at `at` (a base region's, lock held): its 2^55 multiples straight into both
 * words, the rest with its carry, so R stays under 2^55 however many are added.
 */
export function sumAdd(at: usize, n: f64): void {
  const chunks = floor<f64>(n / 36028797018963968.0); // 2^55
  const whole = <u64>chunks;
  const part = <u64>(n - chunks * 36028797018963968.0);
  const hi = load<u64>(at);
  const lo = load<u64>(at, CELL_BYTES);
  store<u64>(at, lo + (whole << SUM_CARRY_BITS) + part, CELL_BYTES);
  store<u64>(at, hi + whole + ((rest(lo, hi) + part) >> SUM_CARRY_BITS));
}

/** Histogram j's sum cell. */
// @ts-ignore: decorator
@inline export function sumCellOf(index: usize, j: u32): u32 {
  return load<u32>(index + <usize>load<u32>(index + 4 + (<usize>j << 2)) + D_SUM_CELL);
}

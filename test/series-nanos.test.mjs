// A histogram sum's nano-units (series-totals.ts): the arithmetic shortcuts
// toNanos and fromNanos take give exactly what the decimal route gives (the
// shortest decimal of the double, parsed digit by digit), for sums on, beside
// and between multiples of 1e-9, sums of observations, and the edges of the shortcuts.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { toNanos, fromNanos } from '../dist/sinks/series-totals.js'

// The decimal route, as it was written before the shortcuts.
function toNanosByDecimal (sum) {
  if (sum < 0) return -toNanosByDecimal(-sum)
  const [mantissa, exponent = '0'] = String(sum).split('e')
  const [whole, fraction = ''] = mantissa.split('.')
  const shift = Number(exponent) + 9 - fraction.length
  const digits = BigInt(whole + fraction)
  if (shift >= 0) return digits * 10n ** BigInt(shift)
  const divisor = 10n ** BigInt(-shift)
  return (digits + divisor / 2n) / divisor
}
function fromNanosByDecimal (nanos) {
  if (nanos < 0n) return -fromNanosByDecimal(-nanos)
  return Number(`${nanos / 1_000_000_000n}.${String(nanos % 1_000_000_000n).padStart(9, '0')}`)
}

function random (seed) {
  let s = seed >>> 0
  return () => { s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0; return s / 2 ** 32 }
}

test('toNanos equals the decimal route: multiples of 1e-9, their neighbours, sums of observations, the shortcut\'s edge', () => {
  const rnd = random(23)
  const values = [0, -0, 1e-9, 5e-10, 1.5e-9, 0.1, 0.1 + 0.2, 1 / 3, 4194303.999999999, 4194304, 4194304.000000001, 2 ** 22 - 2 ** -30, 123456789012.345, 1e21, 1e-7, 9.999999999e-10]
  for (let i = 0; i < 200_000; i++) {
    const k = Math.floor(rnd() * 2 ** (1 + Math.floor(rnd() * 52)))
    const v = k / 1e9
    values.push(v, -v, v * (1 + Number.EPSILON), v * (1 - Number.EPSILON), rnd() * 10 ** Math.floor(rnd() * 10 - 3))
  }
  // Sums of observations as a batch brings them: whole nano-units over 1e9, and floats added up.
  for (let i = 0; i < 20_000; i++) {
    let units = 0
    let floats = 0
    for (let j = 0; j < 5; j++) { const x = rnd() * 3; units += Math.round(x * 1e9); floats += x }
    values.push(units / 1e9, floats)
  }
  let fast = 0
  for (const v of values) {
    const got = toNanos(v)
    const want = toNanosByDecimal(v)
    if (got !== want) assert.unreachable(`toNanos(${v}) = ${got}, the decimal route gives ${want}`)
    if (Math.abs(v) < 4194304 && Math.round(Math.abs(v) * 1e9) / 1e9 === Math.abs(v)) fast++
  }
  assert.ok(fast > values.length / 3, `the shortcut was taken (${fast} of ${values.length})`)
})

test('fromNanos equals the decimal route, below and above 2^53 nano-units', () => {
  const rnd = random(7)
  const values = [0n, 1n, 999_999_999n, 1_000_000_000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n + 12345n]
  for (let i = 0; i < 200_000; i++) {
    const n = BigInt(Math.floor(rnd() * 2 ** (1 + Math.floor(rnd() * 53))))
    values.push(n, -n, n * 1000n + 7n)
  }
  for (const n of values) {
    const got = fromNanos(n)
    const want = fromNanosByDecimal(n)
    if (!Object.is(got, want) && !(got === 0 && want === 0)) assert.unreachable(`fromNanos(${n}) = ${got}, the decimal route gives ${want}`)
  }
})

test.run()

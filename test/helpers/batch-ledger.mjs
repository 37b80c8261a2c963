// eachBatch with partial resolves, checked against a ledger the handler keeps.
// Confluent's KafkaJS API hands batches that start at one message and grow,
// so no fixed "resolve 4 of 10" case can be set up; instead the handler
// decides from each batch it is handed and writes down what it did, and the
// table must hold exactly what the ledger adds up to, per topic.
//
// The rule, from the batch alone (and whether a batch started at its first
// offset before): the first time a batch starts at an even offset, the handler
// resolves the first half of it (rounded down: 0 of a 1-message batch) and
// throws; any other batch returns normally (auto-resolved: all processed).
// The client commits what was resolved and hands the rest over again, so a
// message can be consumed more than once: consumed counts deliveries,
// processed the messages resolved or returned, processErrors the unresolved
// messages of a throwing batch, one processDuration per call.
import * as assert from 'uvu/assert'

export class ChosenFailure extends Error { name = 'ChosenFailure' }

export const PARTITIONS = 2
export const PER_TOPIC = 60
const SENDS = 4
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const WIDE = ['a', 'é', '€', '𝄞'] // 1- to 4-byte UTF-8

/** Message `i` of a topic: key, a value of 10 to 69 characters of mixed widths, a header on every third, over both partitions. */
function message (i) {
  const value = `v${i}-` + WIDE[i % 4].repeat(10 + i)
  return { partition: i % PARTITIONS, key: `k${i}`, value, ...(i % 3 === 0 ? { headers: { h: WIDE[(i + 1) % 4] } } : {}) }
}

/** Sends PER_TOPIC messages to each topic, in SENDS sends per topic. */
export async function sendAll (producer, topics) {
  const per = PER_TOPIC / SENDS
  for (const topic of topics) {
    for (let s = 0; s < SENDS; s++) {
      await producer.send({ topic, messages: Array.from({ length: per }, (_, j) => message(s * per + j)) })
    }
  }
}

/** A delivered message's bytes, by Buffer.byteLength: key, value, each header's key and value(s). */
function deliveredBytes (m) {
  const len = v => v === null || v === undefined ? 0 : Buffer.byteLength(v)
  let n = len(m.key) + len(m.value)
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) n += len(k) + len(one)
  }
  return n
}

/** An eachBatch handler that follows the rule above and pushes one ledger entry per call. */
export function ledgerHandler (ledger) {
  const started = new Set() // topic:partition:offset a batch has started at
  return async ({ batch, resolveOffset }) => {
    const offsets = batch.messages.map(m => BigInt(m.offset))
    const start = `${batch.topic}:${batch.partition}:${offsets[0]}`
    const throws = !started.has(start) && offsets[0] % 2n === 0n
    started.add(start)
    const n = offsets.length
    const resolved = throws ? Math.floor(n / 2) : n
    ledger.push({
      topic: batch.topic,
      partition: batch.partition,
      n,
      bytes: batch.messages.reduce((sum, m) => sum + deliveredBytes(m), 0),
      resolved,
      throws,
      done: offsets.slice(0, resolved) // the offsets processed by this call
    })
    if (!throws) return
    for (const m of batch.messages.slice(0, resolved)) resolveOffset(m.offset)
    throw new ChosenFailure(`resolved ${resolved} of ${n}`)
  }
}

/** How many of a topic's messages the ledger has processed (each at most once: checked by checkLedger). */
export function processedOf (ledger, topic) {
  return ledger.filter(e => e.topic === topic).reduce((sum, e) => sum + e.done.length, 0)
}

/** Waits until the ledger has processed every message of every topic, then a quiet second (anything more would show). */
export async function untilAllProcessed (ledger, topics, ms = 90_000) {
  const deadline = Date.now() + ms
  while (!topics.every(t => processedOf(ledger, t) >= PER_TOPIC)) {
    if (Date.now() > deadline) throw new Error(`timed out: processed ${topics.map(t => processedOf(ledger, t)).join(', ')} of ${PER_TOPIC} per topic after ${ledger.length} calls`)
    await sleep(200)
  }
  await sleep(1000)
}

/** The table's columns per topic, as the ledger adds them up. */
function expectedOf (ledger, topic) {
  const calls = ledger.filter(e => e.topic === topic)
  const sum = f => calls.reduce((s, e) => s + f(e), 0)
  const processErrors = sum(e => e.throws ? e.n - e.resolved : 0)
  return {
    row: {
      consumed: sum(e => e.n),
      consumedBytes: sum(e => e.bytes),
      processed: sum(e => e.throws ? e.resolved : e.n),
      processErrors,
      processDuration: calls.length
    },
    kinds: { retriable: 0, nonRetriable: processErrors, kinds: { ChosenFailure: processErrors } }
  }
}

/**
 * Asserts the run was the case it is for (every message processed exactly
 * once, some delivered again, a throwing batch partly resolved, a batch of
 * several returning normally),
 * then that the totals hold exactly what the ledger adds up to, per topic.
 */
export function checkLedger (totals, ledger, topics) {
  for (const topic of topics) {
    const done = ledger.filter(e => e.topic === topic).flatMap(e => e.done.map(o => `${e.partition}:${o}`))
    assert.is(new Set(done).size, done.length, `${topic}: no message processed twice`)
    assert.is(done.length, PER_TOPIC, `${topic}: every message processed`)
  }
  assert.ok(ledger.some(e => e.throws && e.resolved > 0 && e.resolved < e.n), 'a throwing batch resolved some of its messages, not all')
  assert.ok(ledger.some(e => !e.throws && e.n > 1), 'a batch of several messages returned normally')
  for (const topic of topics) {
    const want = expectedOf(ledger, topic)
    const row = totals.topics[topic] ?? {}
    const got = {
      consumed: row.consumed,
      consumedBytes: row.consumedBytes,
      processed: row.processed,
      processErrors: row.processErrors,
      processDuration: row.processDuration?.count
    }
    assert.equal(got, want.row, `${topic}: the table against the ledger`)
    assert.equal(totals.processErrors[topic], want.kinds, `${topic}: the handler's error kinds`)
    assert.ok(want.row.consumed > PER_TOPIC, `${topic}: some messages were delivered again`)
  }
}

/* eslint-disable no-template-curly-in-string -- the mutants are source text, template literals included */
// The hand-written mutants of `npm run mutate` (scripts/mutate.mjs): each a
// plausible one-line bug, as the exact text it replaces (which must occur
// exactly once in the file, or the mutant is reported stale: update it with
// the code), and the test files that should see it.
//
// `core: true` marks a mutant of assembly/: the wasm is built again. Test
// files that need the Kafka broker use KAFKA_BROKERS (127.0.0.1:9092 unless set).

export const MUTANTS = [
  // assembly/: the core
  {
    name: 'the CAS that publishes a new batch (batchOpen) made a plain store',
    file: 'assembly/counters.ts',
    from: 'if (atomic.cmpxchg<u64>(word, p, e << 1 | <u64>base) == p) return <f64>e;',
    to: 'atomic.store<u64>(word, e << 1 | <u64>base); return <f64>e;',
    core: true,
    tests: ['pause-points', 'lease', 'batch-ids']
  },
  {
    name: 'the ack\'s CAS (batchAck) made a plain store',
    file: 'assembly/counters.ts',
    from: 'return atomic.cmpxchg<u64>(word, p, (p & 1) ^ 1) == p;',
    to: 'atomic.store<u64>(word, (p & 1) ^ 1); return true;',
    core: true,
    tests: ['pause-points', 'lease']
  },
  {
    name: 'batchAck acknowledges whatever is pending (no check of the seq)',
    file: 'assembly/counters.ts',
    from: 'if (p >> 1 != <u64>seq || seq == 0) return false;\n  pausePoint(STEP_ACK_CAS',
    to: 'if (p >> 1 == 0) return false;\n  pausePoint(STEP_ACK_CAS',
    core: true,
    tests: ['lease', 'pause-points', 'partial-ack-lease']
  },
  {
    name: 'a formation leaves the last stripe out',
    file: 'assembly/counters.ts',
    from: 'for (let s: usize = 1; s < used; s++) {\n        p += stride;\n        total = i64x2.add',
    to: 'for (let s: usize = 1; s + 1 < used; s++) {\n        p += stride;\n        total = i64x2.add',
    core: true,
    tests: ['formation-widths', 'stress']
  },
  {
    name: 'the one-stripe formation stores one lane of a turn\'s stage',
    file: 'assembly/counters.ts',
    from: 'v128.store(stage + at, total);\n        pausePoint(STEP_STAGE_STORE, <u32>at);\n        const d',
    to: 'v128.store64_lane(stage + at, total, 0);\n        pausePoint(STEP_STAGE_STORE, <u32>at);\n        const d',
    core: true,
    tests: ['formation-widths', 'exact']
  },
  {
    name: 'a row starting between two turns stores its neighbour\'s word too',
    file: 'assembly/counters.ts',
    from: 'i64x2.splat(-<i64>(at >= first))',
    to: 'i64x2.splat(-<i64>(at + CELL_BYTES >= first))',
    core: true,
    tests: ['formation-widths']
  },
  {
    name: 'a cell of 2^52 or more is converted as a smaller one',
    file: 'assembly/counters.ts',
    from: 'if (any >> 52 != 0) for',
    to: 'if (any >> 53 != 0) for',
    core: true,
    tests: ['formation-widths', 'exact', 'batch-cell-range']
  },
  {
    name: 'a formation reads a histogram sum\'s LO before its HI',
    file: 'assembly/counters.ts',
    from: 'hi = sumOver(counters + at, used, stride);\n      pausePoint(STEP_COUNTER_LOAD, <u32>at);\n      lo = sumOver(counters + at + CELL_BYTES, used, stride);',
    to: 'lo = sumOver(counters + at + CELL_BYTES, used, stride);\n      pausePoint(STEP_COUNTER_LOAD, <u32>at);\n      hi = sumOver(counters + at, used, stride);',
    core: true,
    tests: ['histogram-sum-order']
  },
  {
    name: 'a batch\'s histogram sum taken from LO alone past a carry',
    file: 'assembly/histogram.ts',
    from: 'if (dHi == 0) return <f64>(sLo - bLo);',
    to: 'if (dHi >= 0) return <f64>(sLo - bLo);',
    core: true,
    tests: ['histogram-sums']
  },
  {
    name: 'defer() does not hold the stage to 2^53 - 1',
    file: 'assembly/counters.ts',
    from: 'store<u64>(stage, from + MAX_BATCH_CELL);',
    to: 'store<u64>(stage, load<u64>(stage));',
    core: true,
    tests: ['exact', 'batch-cell-range']
  },
  {
    name: 'reduce() moves the base by one unit too many',
    file: 'assembly/counters.ts',
    from: 'store<u64>(at, load<u64>(at) + <u64>n);',
    to: 'store<u64>(at, load<u64>(at) + <u64>n + 1);',
    core: true,
    tests: ['partial-ack', 'flush']
  },
  {
    name: 'batchRename keeps the old seq',
    file: 'assembly/counters.ts',
    from: 'return atomic.cmpxchg<u64>(word, p, e << 1 | (p & 1)) == p ? <f64>e : 0;',
    to: 'return atomic.cmpxchg<u64>(word, p, p) == p ? <f64>(p >> 1) : 0;',
    core: true,
    tests: ['batch-ids', 'partial-ack']
  },
  {
    name: 'claimFlush lets two callers in one interval',
    file: 'assembly/counters.ts',
    from: 'return atomic.cmpxchg<u64>(word, last, <u64>nowMs) == last;',
    to: 'atomic.store<u64>(word, <u64>nowMs); return true;',
    core: true,
    tests: ['throttle', 'pause-points']
  },
  {
    name: 'an expired lease is never taken over',
    file: 'assembly/lock.ts',
    from: 'if (<f64>(cur & DEADLINE_MASK) < nowMs) {',
    to: 'if (<f64>(cur & DEADLINE_MASK) < 0) {',
    core: true,
    tests: ['lease']
  },
  {
    name: 'lockRenew extends a lease that was taken over',
    file: 'assembly/lock.ts',
    from: 'if (atomic.cmpxchg<u64>(TABLE_BASE + H_LOCK, held, mine) != held) { held = 0; return false; }',
    to: 'atomic.store<u64>(TABLE_BASE + H_LOCK, mine);',
    core: true,
    tests: ['pause-points', 'lease', 'partial-ack-lease']
  },
  {
    name: 'lockRelease frees a lock it no longer holds',
    file: 'assembly/lock.ts',
    from: 'const ok = held != 0 && atomic.cmpxchg<u64>(word, held, 0) == held;',
    to: 'const ok = held != 0; atomic.store<u64>(word, 0);',
    core: true,
    tests: ['lease', 'pause-points']
  },
  {
    name: 'a resolver does not wait on a claim of the same hash',
    file: 'assembly/directory.ts',
    from: '} while (state == claiming && ++spins < CLAIM_SPINS);',
    to: '} while (false);',
    core: true,
    tests: ['pause-points', 'directory']
  },

  // src/: the host
  {
    name: 'openBatch without the gate (no re-read of PENDING)',
    file: 'src/engine/tally.ts',
    from: '      if (core.pendingBatch() !== sequence) {\n        core.lockRelease()\n        return undefined\n      }\n',
    to: '',
    tests: ['pause-points', 'lease']
  },
  {
    name: 'snapshot() returns a batch whose ack failed',
    file: 'src/engine/tally.ts',
    from: 'if (core.batchAck(epoch) === 0) return undefined',
    to: 'core.batchAck(epoch)',
    tests: ['pause-points', 'lease']
  },
  {
    name: 'an undelivered part larger than the batch is accepted',
    file: 'src/engine/batch.ts',
    from: 'value < 0 || value > most) {',
    to: 'value < 0 || value > most + 1) {',
    tests: ['flush', 'partial-ack', 'schema']
  },
  {
    name: 'stop() takes only one final batch',
    file: 'src/flush/flusher.ts',
    from: 'const FINAL_BATCHES = 3',
    to: 'const FINAL_BATCHES = 1',
    tests: ['flush']
  },
  {
    name: 'the sink timeout never fires',
    file: 'src/flush/flusher.ts',
    from: 'did not settle within ${ms} ms`)), ms)',
    to: 'did not settle within ${ms} ms`)), 2 ** 30)',
    tests: ['flush']
  },
  {
    name: 'a failed delivery is acknowledged instead of kept',
    file: 'src/flush/flusher.ts',
    from: '      this.tally.releaseBatch(batch)\n    }\n    this.undelivered = copySnapshot(kept)',
    to: '      this.tally.ackBatch(batch)\n    }\n    this.undelivered = copySnapshot(kept)',
    tests: ['flush']
  },
  {
    name: 'Prometheus names starting with a digit keep it (no leading _)',
    file: 'src/sinks/prometheus-names.ts',
    from: 'return /^[0-9]/.test(name) ? `_${name}` : name',
    to: 'return name',
    tests: ['prometheus-digit-names', 'sink-prometheus-families']
  },
  {
    name: 'Prometheus names lose their unit',
    file: 'src/sinks/prometheus-names.ts',
    from: 'if (unit !== \'\' && !name.endsWith(`_${unit}`)) name += `_${unit}`',
    to: 'if (unit !== \'\' && name.endsWith(`_${unit}`)) name += `_${unit}`',
    tests: ['sink-prometheus-families', 'prometheus-digit-names']
  },
  {
    name: 'the Kafka sink\'s records lose their batch id',
    file: 'src/sinks/kafka.ts',
    from: 'Object.assign(value, { batch: snap.batch.id, table: snap.batch.table, sequence: snap.batch.sequence })',
    to: 'Object.assign(value, { table: snap.batch.table, sequence: snap.batch.sequence })',
    tests: ['sink-kafka']
  },
  {
    name: 'a send failure\'s retriable flag is read from the outermost error only',
    file: 'src/kafkajs/error-kind.ts',
    from: '    if (typeof r === \'boolean\') retriable = r\n',
    to: '    if (typeof r === \'boolean\' && depth === 0) retriable = r\n',
    tests: ['kafkajs-instrument']
  },
  {
    name: 'a rejected send is counted as delivered',
    file: 'src/kafkajs/settle.ts',
    from: 'const onError = (error: unknown): never => { outcome.settled(error, true); throw error }',
    to: 'const onError = (error: unknown): never => { outcome.settled(undefined, false); throw error }',
    tests: ['kafkajs-instrument', 'kafkajs-metrics']
  }
]

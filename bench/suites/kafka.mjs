// Suite 6: kafkajs end to end, against the brokers in KAFKA_BROKERS
// (comma-separated host:port). Without it the suite is skipped with a note.
//
// The contract with the runner (bench/run.mjs): print progress on stderr and
// exactly one JSON line on stdout, { id: 'kafka', title, unit, rows: [{ id,
// label, group, impl, reference?, median, min, max, runs, values }] }, or
// { id: 'kafka', skipped: 'why' }. bench/harness.mjs has emit() and summarize().
import { emit } from '../harness.mjs'

const brokers = process.env.KAFKA_BROKERS
if (!brokers) {
  emit({ id: 'kafka', title: 'Suite 6: kafkajs end to end', skipped: 'no KAFKA_BROKERS set (e.g. KAFKA_BROKERS=127.0.0.1:9092 npm run bench)' })
} else {
  emit({ id: 'kafka', title: 'Suite 6: kafkajs end to end', skipped: `KAFKA_BROKERS=${brokers} is set, but suite 6 is not written yet` })
}

// Turns the suites' results into ratios, the target checklist and the text
// table the runner prints (and docs/BENCHMARKS.md shows).

const overhead = ratio => ratio === undefined ? undefined : (1 - ratio) * 100
// OpenTelemetry's added CPU over that of one of suite 7's instrumentProducer rows.
const vsOtel = (rows, group, which) => {
  const otel = rows.get(`kafka-metrics/${group}-otel-added`)?.median
  const ours = rows.get(`kafka-metrics/${group}-${which}-added`)?.median
  return otel !== undefined && ours > 0 ? otel / ours : undefined
}

/** Fills in each row's ratio: to the reference row of its group, or to the row it refers to. */
export function addRatios (suites) {
  const byId = new Map()
  for (const s of suites) for (const r of s.rows ?? []) byId.set(`${s.id}/${r.id}`, r)
  for (const s of suites) {
    for (const r of s.rows ?? []) {
      const ref = r.refersTo ? byId.get(r.refersTo) : (s.rows.find(x => x.reference && x.group === r.group))
      if (ref && typeof ref.median === 'number' && ref.median > 0) r.ratio = r.median / ref.median
    }
  }
  return byId
}

const inverse = v => typeof v === 'number' && v !== 0 ? 1 / v : undefined
const ratioOf = (a, b) => a !== undefined && b !== undefined && b.median !== 0 ? a.median / b.median : undefined
const differenceOf = (a, b) => a !== undefined && b !== undefined ? a.median - b.median : undefined

const TARGETS = [
  { name: 'bind().success() per increment', target: '<= 10 ns', value: rows => rows.get('increment/tally-bind')?.median, unit: 'ns', ok: v => v <= 10 },
  { name: 'record(topic) per increment, 8 topics rotating', target: '<= 20 ns', value: rows => rows.get('increment/tally-record8')?.median, unit: 'ns', ok: v => v <= 20 },
  { name: 'record(topic) per increment, 1 topic', target: '<= 20 ns', value: rows => rows.get('increment/tally-record1')?.median, unit: 'ns', ok: v => v <= 20 },
  { name: 'vs prom-client, bound handle (labels().inc())', target: '>= 20x', value: rows => rows.get('increment/prom-bound')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'vs prom-client, by name, 8 topics', target: '>= 20x', value: rows => rows.get('increment/prom-record8')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'vs prom-client, by name, 1 topic', target: '>= 20x', value: rows => rows.get('increment/prom-record1')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'vs OpenTelemetry (reader attached), 8 topics', target: '>= 100x', value: rows => rows.get('increment/otel-record8')?.ratio, unit: 'x', ok: v => v >= 100 },
  { name: 'vs OpenTelemetry (reader attached), 1 topic', target: '>= 100x', value: rows => rows.get('increment/otel-record1')?.ratio, unit: 'x', ok: v => v >= 100 },
  { name: 'vs OpenTelemetry without a reader (not the target; for reference)', target: '(none)', value: rows => rows.get('increment/otel-bare-record8')?.ratio, unit: 'x', ok: () => undefined },
  { name: 'vs the seed Python pattern, 1 writer thread', target: '>= 50x', value: rows => rows.get('seed-pattern/python-1')?.ratio, unit: 'x', ok: v => v >= 50 },
  { name: '2 threads on one topic vs 1 thread, no snapshots (medians)', target: '>= 1.8x', value: rows => rows.get('scaling/one-2-idle')?.ratio, unit: 'x', ok: v => v >= 1.8 },
  { name: '2 threads on one topic vs 1 thread, paired by round', target: '>= 1.8x', value: rows => rows.get('scaling/paired-one-2')?.median, unit: 'x', ok: v => v >= 1.8 },
  { name: 'control in the same rounds: 2 threads with a table each vs 1 (the machine\'s ceiling)', target: '(none)', value: rows => rows.get('scaling/paired-own-2')?.median, unit: 'x', ok: () => undefined },
  { name: 'snapshot of 1024 topics, all counted, 1 stripe in use', target: '<= 50 us', value: rows => rows.get('snapshot/dirty-1024-s1')?.median, unit: 'us', ok: v => v <= 50 },
  { name: 'snapshot of 1024 topics, all counted, 16 stripes in use', target: '<= 50 us', value: rows => rows.get('snapshot/dirty-1024-s16')?.median, unit: 'us', ok: v => v <= 50 },
  { name: 'bind().observe() per observation (Kafka schema, 15 buckets)', target: '<= 15 ns', value: rows => rows.get('histogram/tally-bind')?.median, unit: 'ns', ok: v => v <= 15 },
  { name: 'observe: bind().observe() vs prom-client labels(topic) child .observe()', target: '>= 20x', value: rows => rows.get('histogram/prom-bound')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'observe: bind().observe() vs prom-client observe({ topic }, v), 8 topics', target: '>= 20x', value: rows => rows.get('histogram/prom-observe8')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'observe: bind().observe() vs OpenTelemetry record(v, { topic }) (reader), 8 topics', target: '>= 40x', value: rows => rows.get('histogram/otel-record8')?.ratio, unit: 'x', ok: v => v >= 40 },
  { name: 'observe: bind().observe() vs OpenTelemetry record(v, { topic }) (reader), 1 topic', target: '>= 40x', value: rows => rows.get('histogram/otel-record1')?.ratio, unit: 'x', ok: v => v >= 40 },
  { name: 'observe: bind().observe() vs hdr-histogram-js (WebAssembly) recordValue()', target: '>= 1.5x', value: rows => rows.get('histogram/hdr-wasm-bound')?.ratio, unit: 'x', ok: v => v >= 1.5 },
  { name: 'observe: bind().observe() / bind().success() (one atomic add), same run', target: '<= 3x', value: rows => ratioOf(rows.get('histogram/tally-bind'), rows.get('histogram/plain-bind-success')), unit: 'x', ok: v => v <= 3 },
  { name: 'observe: bind().observe() / two 64-bit atomic adds in one wasm call (bucket and units given)', target: '<= 1.5x', value: rows => ratioOf(rows.get('histogram/tally-bind'), rows.get('histogram/atomics-floor')), unit: 'x', ok: v => v <= 1.5 },
  { name: 'observe by name: observe(topic, "duration", v) minus record(topic, "success"), Kafka schema, 8 topics', target: '<= 8 ns', value: rows => differenceOf(rows.get('histogram/tally-observe8'), rows.get('histogram/schema-record8')), unit: 'ns', ok: v => v <= 8 },
  { name: 'hdr-histogram-js (WebAssembly) / the two atomic adds alone (for reference: the most a design making two atomic adds could reach, if finding the bucket cost nothing)', target: '(none)', value: rows => ratioOf(rows.get('histogram/hdr-wasm-bound'), rows.get('histogram/atomics-floor')), unit: 'x', ok: () => undefined },
  { name: 'hdr-histogram-js (WebAssembly) / a whole observation with one packed atomic add, core call alone (for reference: a design that is not sound, with no JS around it)', target: '(none)', value: rows => ratioOf(rows.get('histogram/hdr-wasm-bound'), rows.get('histogram/design-one-packed')), unit: 'x', ok: () => undefined },
  { name: 'OpenTelemetry record(v, { topic }) (reader), 8 topics / the same one-packed-add core call (for reference)', target: '(none)', value: rows => ratioOf(rows.get('histogram/otel-record8'), rows.get('histogram/design-one-packed')), unit: 'x', ok: () => undefined },
  { name: 'observe by name: observe(topic) vs prom-client observe({ topic }, v), 8 topics (for reference)', target: '(none)', value: rows => byName(rows, 'prom-observe8', 'tally-observe8'), unit: 'x', ok: () => undefined },
  { name: 'observe by name: observe(topic) vs OpenTelemetry record(v, { topic }), 8 topics (for reference)', target: '(none)', value: rows => byName(rows, 'otel-record8', 'tally-observe8'), unit: 'x', ok: () => undefined },
  { name: 'observe: bind().observe() vs hdr-histogram-js in plain JS (for reference)', target: '(none)', value: rows => rows.get('histogram/hdr-js-bound')?.ratio, unit: 'x', ok: () => undefined },
  { name: '2 threads observing one topic vs 1 thread, no snapshots (medians)', target: '>= 1.8x', value: rows => rows.get('scaling/observe-one-2-idle')?.ratio, unit: 'x', ok: v => v >= 1.8 },
  { name: '2 threads observing one topic vs 1 thread, paired by round', target: '>= 1.8x', value: rows => rows.get('scaling/paired-observe-one-2')?.median, unit: 'x', ok: v => v >= 1.8 },
  { name: 'control in the same rounds: 2 observing threads with a table each vs 1', target: '(none)', value: rows => rows.get('scaling/paired-observe-own-2')?.median, unit: 'x', ok: () => undefined },
  { name: 'snapshot, Kafka schema, 1024 topics counted and observed, 1 stripe in use', target: '<= 100 us', value: rows => rows.get('snapshot/kafka-realistic-1024-s1')?.median, unit: 'us', ok: v => v <= 100 },
  { name: 'snapshot, Kafka schema, 1024 topics counted and observed, 16 stripes in use', target: '<= 400 us', value: rows => rows.get('snapshot/kafka-realistic-1024-s16')?.median, unit: 'us', ok: v => v <= 400 },
  { name: 'snapshot, Kafka schema, 1024 topics, all 15 buckets non-zero, 1 stripe in use', target: '<= 100 us', value: rows => rows.get('snapshot/kafka-worst-1024-s1')?.median, unit: 'us', ok: v => v <= 100 },
  { name: 'snapshot, Kafka schema, 1024 topics, all 15 buckets non-zero, 16 stripes in use', target: '<= 400 us', value: rows => rows.get('snapshot/kafka-worst-1024-s16')?.median, unit: 'us', ok: v => v <= 400 },
  { name: 'vs OpenTelemetry kafkajs instrumentation: CPU added per send, same metrics, 1 message (producer answered in process)', target: '>= 20x', value: rows => rows.get('kafka-metrics/inproc1-otel-added')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'vs OpenTelemetry kafkajs instrumentation: CPU added per send, same metrics, 10 messages (producer answered in process)', target: '>= 20x', value: rows => rows.get('kafka-metrics/inproc10-otel-added')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'vs OpenTelemetry kafkajs instrumentation: the wrappers alone, same metrics, 1 message', target: '>= 20x', value: rows => rows.get('kafka-metrics/alone1-otel-added')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'vs OpenTelemetry kafkajs instrumentation: the wrappers alone, same metrics, 10 messages', target: '>= 20x', value: rows => rows.get('kafka-metrics/alone10-otel-added')?.ratio, unit: 'x', ok: v => v >= 20 },
  { name: 'OpenTelemetry\'s added CPU over the floor (one promise step and two clock reads, nothing counted), 1 message, producer answered in process (for reference: what a wrapper that times each send could reach if counting cost nothing)', target: '(none)', value: rows => vsOtel(rows, 'inproc1', 'floor'), unit: 'x', ok: () => undefined },
  { name: 'the same floor, the wrappers alone, 1 message (for reference)', target: '(none)', value: rows => vsOtel(rows, 'alone1', 'floor'), unit: 'x', ok: () => undefined },
  { name: 'the same with bytes too (KafkaTally), 10 messages, producer answered in process (for reference)', target: '(none)', value: rows => vsOtel(rows, 'inproc10', 'full'), unit: 'x', ok: () => undefined },
  { name: 'vs OpenTelemetry kafkajs instrumentation against the real broker, same metrics, 10 messages (for reference)', target: '(none)', value: rows => rows.get('kafka-metrics/broker10-otel-added')?.ratio, unit: 'x', ok: () => undefined },
  { name: 'records a second per aggregate --group member (JSON parsing included)', target: '>= 150,000', value: rows => rows.get('fleet/member-1')?.median, unit: 'records/s', ok: v => v >= 150_000 },
  { name: 'aggregate --once with every record behind a checkpoint (10^6 records; 10^5 with --quick)', target: '< 1 s', value: rows => rows.get('fleet/once-checkpoint')?.median, unit: 'ms', ok: v => v < 1000 },
  ...['kafkajs', 'confluent', 'platformatic'].map(client => ({ name: `wasm-tally/${client} alone, 1 message: CPU added per send / the floor's (one promise step and two clock reads)`, target: '<= 1.5x', value: rows => inverse(rows.get(`kafka-clients/alone-${client}-floor-added`)?.ratio), unit: 'x', ok: v => v <= 1.5 })),
  { name: 'the least a wrapper counting the same metrics exactly adds (written out for the record, no checks) / the floor, kafkajs alone, 1 message (for reference: the bound of any adapter; above 1.5x, that target is out of reach)', target: '(none)', value: rows => ratioOf(rows.get('kafka-clients/alone-kafkajs-least-added'), rows.get('kafka-clients/alone-kafkajs-floor-added')), unit: 'x', ok: () => undefined },
  { name: 'the same without the bytes / the floor (for reference: what remains without measuring the bytes)', target: '(none)', value: rows => ratioOf(rows.get('kafka-clients/alone-kafkajs-least-no-bytes-added'), rows.get('kafka-clients/alone-kafkajs-floor-added')), unit: 'x', ok: () => undefined },
  { name: 'vs @platformatic/kafka-opentelemetry (MeterProvider, reader): CPU added per 1-message send, real broker, Node 22', target: '>= 10x', value: rows => rows.get('kafka-clients-node22/broker-platformatic-otel-added')?.ratio, unit: 'x', ok: v => v >= 10 },
  { name: 'vs @platformatic/kafka-opentelemetry (MeterProvider, reader), its subscribers alone (the diagnostics_channel events of a send resolving at once): CPU added per 1-message send, Node 22', target: '>= 10x', value: rows => rows.get('kafka-clients-otel-node22/otel-alone-otel-added')?.ratio, unit: 'x', ok: v => v >= 10 },
  { name: 'the same OpenTelemetry alone over the floor of the same send (for reference: the most any wrapper that times each send could reach; below 10x, the 10x target is out of reach)', target: '(none)', value: rows => ratioOf(rows.get('kafka-clients-otel-node22/otel-alone-otel-added'), rows.get('kafka-clients-otel-node22/otel-alone-floor-added')), unit: 'x', ok: () => undefined },
  { name: 'the same OpenTelemetry alone over the least wrapper counting the same metrics exactly, same run (for reference: the most any adapter could reach; below 10x, the 10x target is out of reach)', target: '(none)', value: rows => ratioOf(rows.get('kafka-clients-otel-node22/otel-alone-otel-added'), rows.get('kafka-clients-otel-node22/otel-alone-least-added')), unit: 'x', ok: () => undefined },
  { name: 'the same against the real broker, over the least wrapper counting the same metrics exactly, same run (for reference: the most any adapter could reach there)', target: '(none)', value: rows => ratioOf(rows.get('kafka-clients-node22/broker-platformatic-otel-added'), rows.get('kafka-clients-node22/broker-platformatic-least-added')), unit: 'x', ok: () => undefined },
  { name: '@platformatic/kafka-opentelemetry\'s added CPU, real broker / wasm-tally/platformatic\'s alone, 1 message (for reference)', target: '(none)', value: rows => ratioOf(rows.get('kafka-clients-node22/broker-platformatic-otel-added'), rows.get('kafka-clients-node22/alone-platformatic-wasm-tally-added')), unit: 'x', ok: () => undefined },
  { name: 'wasm-tally/confluent, real broker, 1 message: CPU added per send / the floor\'s (no OpenTelemetry metrics instrumentation of Confluent\'s client installs)', target: '(none)', value: rows => inverse(rows.get('kafka-clients/broker-confluent-floor-added')?.ratio), unit: 'x', ok: () => undefined },
  { name: 'kafkajs produce throughput lost to instrumentProducer (medians)', target: '< 1 %', value: rows => overhead(rows.get('kafka/instrumented')?.ratio), unit: '%', ok: v => v < 1 },
  { name: 'kafkajs produce throughput lost to instrumentProducer (paired by run)', target: '< 1 %', value: rows => overhead(rows.get('kafka/paired')?.median), unit: '%', ok: v => v < 1 }
]

/** How many times `row`'s median is the wasm-tally row's, both from the histogram suite of this run. */
function byName (rows, row, tally) {
  const a = rows.get(`histogram/${row}`)?.median
  const b = rows.get(`histogram/${tally}`)?.median
  return a > 0 && b > 0 ? a / b : undefined
}

export function checkTargets (rows) {
  return TARGETS.map(t => {
    const value = t.value(rows)
    const measured = typeof value === 'number' ? value : undefined
    const met = measured === undefined ? undefined : t.ok(measured)
    return { name: t.name, target: t.target, measured, unit: t.unit, met }
  })
}

export function fmt (v, unit) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '-'
  if (unit === 'ops/s') return `${(v / 1e6).toFixed(1)} M/s`
  if (unit === 'x') return `${v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2)}x`
  const digits = Math.abs(v) >= 1000 ? 0 : Math.abs(v) >= 100 ? 1 : 2
  return `${v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`
}

function unitOf (suite, row) {
  return row.unit ?? suite.unit
}

/** Markdown table rows for one suite: group, measurement, median, spread, ratio. */
export function suiteTable (suite) {
  if (suite.skipped) return `${suite.title ?? suite.id}: skipped (${suite.skipped})\n`
  if (suite.error) return `${suite.title ?? suite.id}: FAILED (${suite.error})\n`
  const lines = [`${suite.title} [${suite.unit}]${suite.ratio ? ` (ratio: ${suite.ratio})` : ''}`, '',
    '| group | measurement | median | spread (min - max) | ratio |', '| --- | --- | ---: | ---: | ---: |']
  for (const r of suite.rows) {
    const unit = unitOf(suite, r)
    const shown = unit === 'ns/op' ? 'ns' : unit
    lines.push(`| ${r.group} | ${r.label} | ${fmt(r.median, shown)} | ${fmt(r.min, shown)} - ${fmt(r.max, shown)} | ${r.ratio === undefined ? (r.note ?? '') : fmt(r.ratio, 'x')} |`)
  }
  for (const note of suite.notes ?? []) lines.push('', `- ${note}`)
  return lines.join('\n') + '\n'
}

export function targetTable (targets) {
  const lines = ['| target | goal | measured (median) | status |', '| --- | --- | ---: | --- |']
  for (const t of targets) {
    const status = t.met === undefined ? (t.measured === undefined ? 'not measured' : 'info') : t.met ? 'met' : 'MISSED'
    lines.push(`| ${t.name} | ${t.target} | ${fmt(t.measured, t.unit)} | ${status} |`)
  }
  return lines.join('\n') + '\n'
}

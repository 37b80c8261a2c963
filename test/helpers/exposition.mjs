// Reading Prometheus's text exposition back: samples with their labels, and
// the families' # TYPE lines. Only what the sink tests need; a line that is
// neither a comment nor a sample fails the parse.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g

export function parseExposition (text) {
  const samples = []
  const types = {}
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line === '# EOF') continue
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) { types[type[1]] = type[2]; continue }
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`not a sample line: ${line}`)
    const labels = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k] = v.replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    samples.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return { samples, types }
}

/** The samples of `name` whose labels include every one of `match`. */
export function select (samples, name, match = {}) {
  return samples.filter(s => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
}

/** The sum of those samples' values. */
export function total (samples, name, match = {}) {
  return select(samples, name, match).reduce((n, s) => n + s.value, 0)
}

// Builds a schema's row objects out of the batch region (one f64 per cell).
// A snapshot builds one object per topic, so the shape matters: an object
// literal with the schema's names written out is about 3x faster to build
// than one filled key by key (V8 gives the literal its final shape at once,
// where computed keys go through a megamorphic store each). Where the runtime
// allows code generation the reader is such a literal, generated once per
// schema; where it does not (workerd, pages whose CSP forbids eval) the
// key-by-key reader gives the same rows.
import type { Schema } from './schema.js'
import type { HistogramCounts, Row } from './snapshot.js'

/** Reads the row whose first cell is at `at`. */
export type RowReader = (cells: Float64Array, at: number) => Row

/** The key-by-key reader: any runtime. */
function readGeneric (schema: Schema): RowReader {
  const { columns, histograms } = schema
  return (cells, at) => {
    const row: Record<string, number | HistogramCounts> = {}
    for (let i = 0; i < columns.length; i++) row[columns[i]] = cells[at + i]
    for (let k = 0; k < histograms.length; k++) {
      const h = histograms[k]
      const n = h.bounds.length + 1
      const counts = new Array<number>(n)
      const first = at + h.sumCell + 2
      let count = 0
      for (let i = 0; i < n; i++) count += counts[i] = cells[first + i]
      row[h.name] = { count, sum: cells[at + h.sumCell] / h.scale, counts }
    }
    return row as Row
  }
}

/**
 * The literal's source. Names are identifiers other than __proto__ (the
 * schema's rules), quoted anyway; every other part is an integer offset.
 */
function literalSource (schema: Schema): string {
  const cell = (c: number): string => `c[a + ${c}]`
  const lines: string[] = []
  const fields = schema.columns.map((name, i) => `${JSON.stringify(name)}: ${cell(i)}`)
  schema.histograms.forEach((h, k) => {
    const buckets = Array.from({ length: h.bounds.length + 1 }, (_, i) => cell(h.sumCell + 2 + i))
    lines.push(`const h${k} = [${buckets.join(', ')}]`)
    const count = buckets.map((_, i) => `h${k}[${i}]`).join(' + ')
    fields.push(`${JSON.stringify(h.name)}: { count: ${count}, sum: ${cell(h.sumCell)} / ${h.scale}, counts: h${k} }`)
  })
  return `return function readRow (c, a) {\n${lines.join('\n')}\nreturn { ${fields.join(', ')} }\n}`
}

/** The fastest reader this runtime allows for the schema. */
export function rowReader (schema: Schema): RowReader {
  try {
    // eslint-disable-next-line no-new-func -- generated from the schema's checked names and integer offsets only
    return new Function(literalSource(schema))() as RowReader
  } catch {
    return readGeneric(schema) // code generation refused (workerd, a strict CSP)
  }
}

/** The key-by-key reader, for tests that compare it with the literal. @internal */
export const genericRowReader = readGeneric

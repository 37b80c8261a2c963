// Reads a key of a plain record only if the record holds it itself. Column and
// histogram names are user-chosen identifiers, so `record[name]` alone would
// answer `constructor`, `toString` and the like from Object.prototype.

/** record[key] if record has key of its own, else undefined. */
export function own<V> (record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined
}

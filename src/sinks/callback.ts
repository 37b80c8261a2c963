// The simplest sink: a function of the snapshot.
import type { SinkFunction, SinkObject } from '../flush/sink.js'

/**
 * Wraps `fn` as a named sink. A throw or rejection keeps the snapshot's counts
 * for the next flush. (A bare function works as a sink too; this only names it.)
 */
export function callbackSink (fn: SinkFunction, name = fn.name !== '' ? fn.name : 'callback'): SinkObject {
  if (typeof fn !== 'function') throw new TypeError('callbackSink expects a function (snapshot) => void | Promise<void>')
  return { name, write: snap => fn(snap) }
}

export { snapshotRows, rowObject } from './snapshot-rows.js'
export type { BatchRows, RowView, RowsShape } from '../engine/batch-reader.js'

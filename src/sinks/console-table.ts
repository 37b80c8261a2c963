// A live per-topic table with a progress line, redrawn on a terminal at each flush.
import type { SinkObject } from '../flush/sink.js'
import type { Counts } from '../engine/snapshot.js'
import { snapshotRows } from './snapshot-rows.js'
import { overflowLabel } from '../flush/rows.js'

/** The part of a Node Writable this sink uses; isTTY selects redrawing in place. */
export interface TableStream {
  write (chunk: string): boolean
  isTTY?: boolean
  columns?: number
}

export interface ConsoleTableOptions {
  /** Most topics shown, busiest first (default 20). */
  maxRows?: number
  /** The label of the overflow row (default "/overflow"; a name no topic can hold). */
  overflowTopic?: string
  /** The clock (default Date.now). */
  now?: () => number
  /** Text appended to the progress line at each flush (e.g. "recorded N"). */
  status?: () => string
}

export interface TableState {
  flushes: number
  totals: Map<string, Counts>
  /** Deliveries per second per topic over the last flush. */
  rates: Map<string, number>
  /** Deliveries per second over the last flush. */
  rate: number
  success: number
  error: number
  lastFlushAt: number | undefined
}

export interface ConsoleTableSink extends SinkObject {
  /** The cumulative totals so far. */
  readonly state: TableState
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

/** The text of the table and its progress line, each line ending in "\n". */
export function renderTable (state: TableState, maxRows = 20, width = 100): string {
  const rows = [...state.totals].sort((a, b) => (b[1].success + b[1].error) - (a[1].success + a[1].error) || (a[0] < b[0] ? -1 : 1))
  const shown = rows.slice(0, maxRows)
  const nameWidth = Math.min(Math.max(5, ...shown.map(([t]) => t.length)), Math.max(10, width - 40))
  const cell = (s: string, w: number): string => s.length >= w ? s : ' '.repeat(w - s.length) + s
  const name = (s: string): string => s.length > nameWidth ? s.slice(0, nameWidth - 1) + '~' : s.padEnd(nameWidth)
  let out = `${'topic'.padEnd(nameWidth)} ${cell('success', 12)} ${cell('error', 10)} ${cell('per s', 10)}\n`
  for (const [topic, c] of shown) {
    out += `${name(topic)} ${cell(fmt(c.success), 12)} ${cell(fmt(c.error), 10)} ${cell(fmt(state.rates.get(topic) ?? 0), 10)}\n`
  }
  if (rows.length > shown.length) out += `... ${rows.length - shown.length} more topics\n`
  const last = state.lastFlushAt === undefined ? 'never' : new Date(state.lastFlushAt).toISOString().slice(11, 19)
  out += `flush ${state.flushes}  ${fmt(state.rate)}/s  total ${fmt(state.success)} ok, ${fmt(state.error)} errors  last flush ${last}\n`
  return out
}

/**
 * Keeps running totals and, at each flush, redraws the table in place on a
 * TTY (or writes only the progress line elsewhere). Meant for a terminal
 * watching a running producer; it never fails a flush.
 */
export function consoleTableSink (stream: TableStream = process.stdout, options: ConsoleTableOptions = {}): ConsoleTableSink {
  const now = options.now ?? Date.now
  const overflowTopic = overflowLabel(options.overflowTopic)
  const state: TableState = { flushes: 0, totals: new Map(), rates: new Map(), rate: 0, success: 0, error: 0, lastFlushAt: undefined }
  let drawn = 0
  const sink: ConsoleTableSink & Required<Pick<SinkObject, 'writeRows'>> = {
    name: 'console-table',
    state,
    write (snap) {
      sink.writeRows(snapshotRows(snap))
    },
    // Read in place: only each row's success and error columns.
    writeRows (rows) {
      const at = now()
      const seconds = state.lastFlushAt === undefined ? 0 : (at - state.lastFlushAt) / 1000
      const perSecond = (n: number): number => seconds > 0 ? n / seconds : 0
      state.rates.clear()
      let flushed = 0
      const s = rows.shape.columns.indexOf('success')
      const e = rows.shape.columns.indexOf('error')
      rows.forEachRow(row => {
        const success = s < 0 ? 0 : row.column(s)
        const error = e < 0 ? 0 : row.column(e)
        if (success === 0 && error === 0) return
        const topic = row.overflow ? overflowTopic : row.name
        let total = state.totals.get(topic)
        if (total === undefined) state.totals.set(topic, total = { success: 0, error: 0 })
        total.success += success
        total.error += error
        state.rates.set(topic, perSecond(success + error))
        state.success += success
        state.error += error
        flushed += success + error
      })
      state.rate = perSecond(flushed)
      state.flushes++
      state.lastFlushAt = at
      let text = renderTable(state, options.maxRows ?? 20, stream.columns !== undefined && stream.columns > 0 ? stream.columns : 100)
      if (options.status !== undefined) text = `${text.slice(0, -1)}  ${options.status()}\n`
      if (stream.isTTY === true) {
        const up = drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ''
        stream.write(up + text)
        drawn = text.split('\n').length - 1
      } else {
        stream.write(text.slice(text.lastIndexOf('\n', text.length - 2) + 1))
      }
    }
  }
  return sink
}

// Errors crossing a worker boundary: their name, message and kafkajs fields
// (retriable, type, code, cause chain) survive, so callers can branch on them.
const FIELDS = ['name', 'message', 'retriable', 'type', 'code', 'retryCount', 'broker', 'stack'] as const
const MAX_DEPTH = 8

export interface WireError { [field: string]: unknown, cause?: WireError }

export function toWire (error: unknown, depth = 0): WireError {
  if (error === null || typeof error !== 'object') return { name: 'NonError', message: String(error) }
  const out: WireError = {}
  const source = error as Record<string, unknown>
  for (const field of FIELDS) {
    const value = source[field]
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[field] = value
  }
  if (source.cause !== undefined && source.cause !== error && depth < MAX_DEPTH) out.cause = toWire(source.cause, depth + 1)
  return out
}

export function fromWire (wire: WireError): Error {
  const { cause, message, ...fields } = wire
  const error = new Error(typeof message === 'string' ? message : '')
  Object.assign(error, fields)
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: fromWire(cause), enumerable: false, writable: true, configurable: true })
  return error
}

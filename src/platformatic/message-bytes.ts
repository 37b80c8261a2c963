// The bytes of a @platformatic/kafka message: key, value and each header's
// key and value, as handed to send() or by the consumer's stream. A string
// counts its UTF-8 length and bytes (a Buffer, a Uint8Array) their length:
// what the string serialisers send and the string deserialisers give back.
// Anything else (an object a JSON serialiser turns into text, a number) counts
// 0: its size is the serialiser's to know.

import { stringBytes } from '../messaging/message-bytes.js'

function valueBytes (value: unknown): number {
  if (typeof value === 'string') return stringBytes(value)
  if (value instanceof Uint8Array) return value.byteLength
  return 0
}

function headerBytes (headers: object): number {
  let n = 0
  if (headers instanceof Map) {
    for (const [key, value] of headers) n += valueBytes(key) + valueBytes(value)
    return n
  }
  // Own enumerable string keys, as Object.keys gives them, without the array it makes.
  for (const key in headers) if (Object.hasOwn(headers, key)) n += stringBytes(key) + valueBytes((headers as Record<string, unknown>)[key])
  return n
}

/** Key + value + header bytes; 0 for what is not a message object. Never throws. */
export function messageBytes (message: unknown): number {
  if (message === null || typeof message !== 'object') return 0
  try {
    const { key, value, headers } = message as { key?: unknown, value?: unknown, headers?: unknown }
    let n = valueBytes(key) + valueBytes(value)
    if (headers !== null && typeof headers === 'object') n += headerBytes(headers)
    return n
  } catch {
    return 0
  }
}

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

/**
 * Headers that are not a plain object: a Map's entries (each key and value),
 * else the object's own enumerable string keys by Object.keys, as the
 * client's Object.entries lists them (for-in would list the prototype chain
 * too, and run a Proxy's traps there: one that throws lost the message's
 * bytes). Apart, so that a send's path compiles without their iteration.
 */
function otherBytes (headers: object): number {
  let n = 0
  if (headers instanceof Map) {
    for (const [key, value] of headers) n += valueBytes(key) + valueBytes(value)
    return n
  }
  for (const name of Object.keys(headers)) n += stringBytes(name) + valueBytes((headers as Record<string, unknown>)[name])
  return n
}

/**
 * Key + value + header bytes; 0 for what is not a message object. Never throws.
 * One function with a string's case first (most keys, values and headers):
 * short enough, with its callees, that V8 inlines it whole into a send's path
 * (a separate headerBytes iterating a Map left it no room for the clock).
 */
export function messageBytes (message: unknown): number {
  if (message === null || typeof message !== 'object') return 0
  try {
    const { key, value, headers } = message as { key?: unknown, value?: unknown, headers?: unknown }
    let n = (typeof key === 'string' ? stringBytes(key) : valueBytes(key)) + (typeof value === 'string' ? stringBytes(value) : valueBytes(value))
    if (headers !== null && typeof headers === 'object') {
      if (Object.getPrototypeOf(headers) !== Object.prototype) n += otherBytes(headers)
      // A plain object (its prototype an ordinary one, where for-in runs nothing): own enumerable
      // string keys, as Object.keys gives them, without the array it makes.
      else for (const name in headers) if (Object.hasOwn(headers, name)) n += stringBytes(name) + valueBytes((headers as Record<string, unknown>)[name])
    }
    return n
  } catch {
    return 0
  }
}

// The bytes of a message as kafkajs writes them into a record: key, value,
// and each header's key and value (an array of values is one header each).
// Buffers count their length; null and undefined count nothing; anything else
// is written as String(value) in UTF-8. Lengths and varint framing are left out.

interface BufferLike { isBuffer (value: unknown): boolean, byteLength (value: string): number }
// Node's Buffer where there is one (kafkajs runs on it); a plain count elsewhere.
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer

/** UTF-8 length of a string without encoding it. */
function utf8Length (text: string): number {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2 // a pair: 4 bytes for 2 units
      i++
    } else n += 2
  }
  return n
}

// Up to this length the loop is cheaper than a call into Node's Buffer.byteLength (a key, a short value).
const SHORT = 24
const byteLength = NodeBuffer !== undefined ? NodeBuffer.byteLength : utf8Length
/** UTF-8 length of a string: counted here when short, by Node when long. */
export function stringBytes (text: string): number {
  return text.length <= SHORT ? utf8Length(text) : byteLength(text)
}
// A Buffer is sent as its bytes; kafkajs writes any other value, a plain Uint8Array too, as String(value).
const isBytes = NodeBuffer !== undefined ? (value: object) => NodeBuffer.isBuffer(value) : (value: object) => value instanceof Uint8Array

/** Bytes of one key or value as kafkajs writes it. */
export function valueBytes (value: unknown): number {
  if (typeof value === 'string') return stringBytes(value)
  if (value === null || value === undefined) return 0
  if (value instanceof Uint8Array && isBytes(value)) return value.byteLength
  return stringBytes(String(value))
}

function headerBytes (headers: object): number {
  let n = 0
  for (const key of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[key]
    if (Array.isArray(value)) {
      for (const v of value) n += valueBytes(key) + valueBytes(v)
    } else n += valueBytes(key) + valueBytes(value)
  }
  return n
}

/** Key + value + header bytes of a message; 0 for what is not a message object. Never throws. */
export function messageBytes (message: unknown): number {
  if (message === null || typeof message !== 'object') return 0
  try {
    const { key, value, headers } = message as { key?: unknown, value?: unknown, headers?: unknown }
    let n = valueBytes(key) + valueBytes(value)
    if (headers !== null && typeof headers === 'object') n += headerBytes(headers)
    return n
  } catch {
    return 0 // a getter that throws, or a value String() refuses: kafkajs fails that send anyway
  }
}

/** The bytes of every message of an array. */
export function messagesBytes (messages: readonly unknown[]): number {
  let n = 0
  for (let i = 0; i < messages.length; i++) n += messageBytes(messages[i])
  return n
}

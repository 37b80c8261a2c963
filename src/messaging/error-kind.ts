// Why a send failed, reduced to a short label and a retriable flag, and the
// key under which it is counted in the error-kinds table.
//
// A kind is up to three parts of [A-Za-z0-9_]: the name of the error the send
// rejected with, the name of its root cause (the end of its `cause` chain) and
// the first Kafka protocol error `type` on that chain. It is shown as
// "Top/Root:TYPE", e.g. "KafkaJSNonRetriableError/KafkaJSProtocolError:MESSAGE_TOO_LARGE".
import { MAX_TOPIC_LENGTH } from '../engine/validate.js'

const PART_LENGTH = 48
const MAX_CHAIN = 8

export interface ErrorKind {
  /** The key parts, joined with '-': `${top}-${root}-${type}` (root and type may be empty). */
  head: string
  /** Whether the root cause is one kafkajs marks retriable (a transient condition that outlasted the retries). */
  retriable: boolean
}

function part (text: unknown): string {
  return typeof text === 'string' ? text.replace(/[^A-Za-z0-9_]/g, '_').slice(0, PART_LENGTH) : ''
}

/** A property of a rejection, or undefined where reading it throws (a Proxy, a revoked Proxy, a getter). */
function read (error: object, key: 'name' | 'type' | 'retriable' | 'cause'): unknown {
  try {
    return (error as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

function nameOf (error: unknown): string {
  if (error !== null && typeof error === 'object') return part(read(error, 'name')) || 'Error'
  return 'NonError'
}

/** Classifies a rejection: its name, its root cause's name, its protocol type, retriable or not. */
export function classify (error: unknown): ErrorKind {
  const top = nameOf(error)
  let root = ''
  let type = ''
  let retriable: boolean | undefined
  let current: unknown = error
  const seen = new Set<unknown>()
  for (let depth = 0; depth < MAX_CHAIN && current !== null && typeof current === 'object' && !seen.has(current); depth++) {
    seen.add(current)
    const t = type === '' ? read(current, 'type') : undefined
    if (typeof t === 'string') type = part(t)
    const r = read(current, 'retriable')
    if (typeof r === 'boolean') retriable = r
    if (depth > 0) root = nameOf(current)
    current = read(current, 'cause')
  }
  return { head: `${top}-${root}-${type}`, retriable: retriable === true }
}

/** How a kind is shown: "Top", "Top/Root", "Top:TYPE" or "Top/Root:TYPE". */
export function kindLabel (head: string): string {
  const [top, root, type] = head.split('-')
  return top + (root ? `/${root}` : '') + (type ? `:${type}` : '')
}

/** A 64-bit FNV-1a of the topic as 16 hex digits: names a topic too long to spell out in a key. */
export function topicHash (topic: string): string {
  let h = 0xcbf29ce484222325n
  for (let i = 0; i < topic.length; i++) {
    h ^= BigInt(topic.charCodeAt(i))
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return h.toString(16).padStart(16, '0')
}

/**
 * The error-kinds table key for a (valid) topic and a kind head:
 * "t<head>.<topic>", or "h<head>.<hash>" when that would pass Kafka's 249 characters.
 * The head holds no '.', so the first '.' ends it.
 */
export function kindKey (topic: string, head: string): string {
  const plain = `t${head}.${topic}`
  return plain.length <= MAX_TOPIC_LENGTH ? plain : `h${head}.${topicHash(topic)}`
}

export interface ParsedKey { head: string, hashed: boolean, rest: string }

export function parseKindKey (key: string): ParsedKey | undefined {
  const dot = key.indexOf('.')
  if (dot < 2 || (key[0] !== 't' && key[0] !== 'h')) return undefined
  return { head: key.slice(1, dot), hashed: key[0] === 'h', rest: key.slice(dot + 1) }
}

// A kafkajs socketFactory whose sockets are answered in this process: just
// enough of the Kafka protocol for a producer (ApiVersions, Metadata v1,
// Produce v3) so a real kafkajs producer encodes, sends and decodes every
// request while no broker's time or network stack is measured. For the CPU
// cost benchmark only; the tests use a real broker.
import { EventEmitter } from 'node:events'

const API = { produce: 0, metadata: 3, apiVersions: 18 }
// What this "broker" speaks: [apiKey, min, max]. kafkajs picks the highest version both sides know.
const VERSIONS = [[API.produce, 3, 3], [API.metadata, 1, 1], [API.apiVersions, 0, 2]]

class Reader {
  constructor (buf) { this.buf = buf; this.at = 0 }
  int8 () { return this.buf.readInt8((this.at += 1) - 1) }
  int16 () { return this.buf.readInt16BE((this.at += 2) - 2) }
  int32 () { return this.buf.readInt32BE((this.at += 4) - 4) }
  string () { const n = this.int16(); if (n < 0) return null; return this.buf.toString('utf8', this.at, (this.at += n)) }
  skip (n) { this.at += n }
  array (item) { const n = this.int32(); const out = []; for (let i = 0; i < n; i++) out.push(item(this)); return n < 0 ? null : out }
}

class Writer {
  constructor () { this.parts = [] }
  int8 (v) { const b = Buffer.alloc(1); b.writeInt8(v); this.parts.push(b); return this }
  int16 (v) { const b = Buffer.alloc(2); b.writeInt16BE(v); this.parts.push(b); return this }
  int32 (v) { const b = Buffer.alloc(4); b.writeInt32BE(v); this.parts.push(b); return this }
  int64 (v) { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); this.parts.push(b); return this }
  string (s) { if (s === null) return this.int16(-1); const b = Buffer.from(s); this.int16(b.length); this.parts.push(b); return this }
  array (items, write) { this.int32(items.length); for (const item of items) write(this, item); return this }
  frame (correlationId) { const body = Buffer.concat(this.parts); const head = Buffer.alloc(8); head.writeInt32BE(body.length + 4); head.writeInt32BE(correlationId, 4); return Buffer.concat([head, body]) }
}

/** Answers one request; undefined when none is due (acks = 0). */
function answer (apiKey, version, body, { host, port, partitions, offsets }) {
  const out = new Writer()
  switch (apiKey) {
    case API.apiVersions:
      out.int16(0).array(VERSIONS, (w, [key, min, max]) => w.int16(key).int16(min).int16(max))
      if (version >= 1) out.int32(0) // throttle_time_ms
      return out
    case API.metadata: {
      const topics = body.array(r => r.string()) ?? []
      out.array([0], w => w.int32(0).string(host).int32(port).string(null)) // one broker, node 0
      out.int32(0) // controller
      out.array(topics, (w, topic) => {
        w.int16(0).string(topic).int8(0)
        w.array(Array.from({ length: partitions }, (_, p) => p), (w, p) => w.int16(0).int32(p).int32(0).array([0], (w, n) => w.int32(n)).array([0], (w, n) => w.int32(n)))
      })
      return out
    }
    case API.produce: {
      body.string() // transactional_id
      const acks = body.int16()
      body.int32() // timeout
      const topics = body.array(r => ({ topic: r.string(), partitions: r.array(r => { const p = r.int32(); r.skip(r.int32()); return p }) }))
      if (acks === 0) return undefined
      out.array(topics, (w, { topic, partitions }) => w.string(topic).array(partitions, (w, p) => {
        const key = `${topic}/${p}`
        const offset = offsets.get(key) ?? 0
        offsets.set(key, offset + 1)
        w.int32(p).int16(0).int64(offset).int64(-1)
      }))
      return out.int32(0) // throttle_time_ms
    }
    default:
      throw new Error(`the in-process broker does not answer api ${apiKey} (version ${version})`)
  }
}

class InProcessSocket extends EventEmitter {
  constructor (broker, onConnect) {
    super()
    this.broker = broker
    this.pending = Buffer.alloc(0)
    setImmediate(onConnect)
  }

  write (data) {
    this.pending = Buffer.concat([this.pending, typeof data === 'string' ? Buffer.from(data, 'binary') : data])
    const replies = []
    while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
      const size = this.pending.readInt32BE(0)
      const r = new Reader(this.pending.subarray(4, 4 + size))
      this.pending = this.pending.subarray(4 + size)
      const apiKey = r.int16()
      const version = r.int16()
      const correlationId = r.int32()
      r.string() // client id
      this.broker.requests++
      const reply = answer(apiKey, version, r, this.broker)
      if (reply !== undefined) replies.push(reply.frame(correlationId))
    }
    // Answered on a later turn of the event loop, as a socket's data would be.
    if (replies.length > 0) setImmediate(() => { for (const reply of replies) this.emit('data', reply) })
    return true
  }

  // The "broker" closes its side in turn: 'end' once, as a socket's peer would.
  end () { if (!this.ended) { this.ended = true; setImmediate(() => this.emit('end')) } }
  destroy () {}
  unref () {}
  setKeepAlive () {}
}

/** A kafkajs socketFactory answered in process; `requests` counts what it answered. */
export function inProcessBroker ({ partitions = 3 } = {}) {
  const broker = { host: 'in-process', port: 9092, partitions, offsets: new Map(), requests: 0 }
  broker.socketFactory = ({ onConnect }) => new InProcessSocket(broker, onConnect)
  broker.brokers = [`${broker.host}:${broker.port}`]
  return broker
}

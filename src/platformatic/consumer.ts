// A @platformatic/kafka consumer counted. It hands messages over as a stream
// (consume() gives a MessagesStream), not to a handler: each message the
// stream gives the application (a 'data' event: for await, on('data'), pipe
// all read through it) counts as consumed, with its bytes. There is no
// handler to time or to see fail, so processed, processErrors and
// processDuration are not counted.
import type { ProcessCounter } from '../messaging/process-counter.js'
import { messageBytes } from './message-bytes.js'
import { withMethods } from './proxy.js'

type Callback = (error: unknown, stream?: unknown) => void

/** The stream with each message it hands out counted (the stream's own emit, replaced on it). */
function countStream (stream: unknown, counter: ProcessCounter): unknown {
  if (stream === null || typeof stream !== 'object') return stream
  const emitter = stream as { emit: (event: string | symbol, ...args: unknown[]) => boolean }
  if (typeof emitter.emit !== 'function') return stream
  const emit = emitter.emit
  emitter.emit = function emit_ (this: unknown, event: string | symbol, ...args: unknown[]) {
    if (event === 'data') {
      try {
        const message = args[0] as { topic?: unknown }
        counter.consumed(message?.topic, 1, counter.bytes ? messageBytes(message) : 0)
      } catch { /* counting never breaks a stream */ }
    }
    return emit.call(this, event, ...args)
  }
  return stream
}

/** The consumer with the streams of consume() counted into `counter`. */
export function countConsumer<C extends object> (consumer: C, counter: ProcessCounter): C {
  const consume = consumer !== null && typeof consumer === 'object' ? (consumer as { consume?: unknown }).consume : undefined
  if (typeof consume !== 'function') {
    throw new TypeError(`expected a @platformatic/kafka Consumer (an object with consume), got ${consumer === null ? 'null' : typeof consumer}`)
  }
  const start = consume.bind(consumer) as (options: unknown, callback?: Callback) => unknown
  return withMethods(consumer, {
    consume (options: unknown, callback?: Callback) {
      if (typeof callback === 'function') return start(options, (error, stream) => callback(error, error == null ? countStream(stream, counter) : stream))
      const started = start(options)
      return started instanceof Promise ? started.then(stream => countStream(stream, counter)) : started
    }
  })
}

// Following what a send or a handler returned and telling, once, how it
// settled, while its caller gets exactly what it would have got.

const nativeThen = Promise.prototype.then

/** Told once: failed with the error, or not. Must not throw. */
export type Tell = (error: unknown, failed: boolean) => void

/** What watch() tells, as an object: one per call, so no closure has to carry its state. */
export interface Outcome {
  /** Told once: failed with the error, or not. Must not throw. */
  settled (error: unknown, failed: boolean): void
}

/**
 * Tells `outcome` how `sent` (what a call returned) settles, handing the
 * caller its outcome: the same value or the same rejection object (through
 * one promise, so a thenable that settles twice is told once); a rejection
 * the caller leaves unhandled stays unhandled. A plain value is told as
 * success and returned as is.
 */
export function watch (sent: unknown, outcome: Outcome): unknown {
  return follow(
    sent,
    value => { outcome.settled(undefined, false); return value },
    error => { outcome.settled(error, true); throw error }
  )
}

/**
 * watch() with its two callbacks given, for a caller that keeps its state in
 * their closure: `onValue` is called with the value (or with `sent` itself
 * when it is a plain value) and returns it; `onError` is called with the
 * error and throws it. Each is called at most once, and only one of them.
 */
export function follow (sent: unknown, onValue: (value: unknown) => unknown, onError: (error: unknown) => never): unknown {
  let then: unknown
  try {
    if (sent !== null && (typeof sent === 'object' || typeof sent === 'function')) then = (sent as { then?: unknown }).then
  } catch (error) {
    try { onError(error) } catch { /* told: awaiting it would throw the same */ }
    return sent
  }
  if (typeof then !== 'function') return onValue(sent)
  // A native promise settles once: chained directly. Anything else is adopted by one promise first.
  if (then === nativeThen && sent instanceof Promise) {
    try { return nativeThen.call(sent, onValue, onError) } catch { /* not a real promise after all: adopted below */ }
  }
  return adopt(sent, then as Then, onValue, onError)
}

type Then = (this: unknown, resolve: (value: unknown) => void, reject: (error: unknown) => void) => unknown

/**
 * A thenable adopted by one promise, then followed. Apart from follow() so
 * that follow() makes no closure, hence no context holding `sent` and `then`
 * on every call (48 bytes per send on Node 22, a native promise's too).
 */
function adopt (sent: unknown, then: Then, onValue: (value: unknown) => unknown, onError: (error: unknown) => never): unknown {
  return new Promise((resolve, reject) => { then.call(sent, resolve, reject) }).then(onValue, onError)
}

/** Calls `start` and tells how it settles, as watch() does; a synchronous throw is told and rethrown. */
export function settle (start: () => unknown, tell: Tell): unknown {
  let sent: unknown
  try {
    sent = start()
  } catch (error) {
    tell(error, true)
    throw error
  }
  return watch(sent, { settled: tell })
}

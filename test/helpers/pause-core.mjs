// The pause core (build/tally-pause.wasm, assembly/pause.ts): the real core's
// sources with a pause point at each step the protocol model names. A test
// arms a step, a holder thread (test/workers/paused-holder.mjs) stops there,
// the test takes the lock over from this thread, then lets the holder go on.
import { Worker } from 'node:worker_threads'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { readConstants } from '../../scripts/lib/wasm-constants.mjs'
import { once } from '../../scripts/lib/worker-message.mjs'

const root = new URL('../../', import.meta.url)

/** The compiled pause core. */
export async function pauseModule () {
  return WebAssembly.compile(await readFile(new URL('build/tally-pause.wasm', root)))
}

/** assembly/pause.ts's constants by name: the control words' offsets and the steps. */
export async function pauseConstants () {
  const found = await readConstants([fileURLToPath(new URL('assembly/pause.ts', root))])
  return Object.fromEntries(found.map(c => [c.name, Number(c.value)]))
}

/** The steps by name (STEP_OPEN_READ ...), in order. */
export async function pauseSteps () {
  const k = await pauseConstants()
  return Object.entries(k).filter(([name]) => name.startsWith('STEP_') && name !== 'STEP_LAST').map(([name, step]) => ({ name, step }))
}

/** Arms and releases pause points through the control words in the shared memory. */
export async function pauseControl (memory) {
  const k = await pauseConstants()
  const words = new Int32Array(memory.buffer)
  const at = offset => (k.PAUSE_CONTROL + offset) >>> 2
  const [ARMED, SKIP, PAUSED, DETAIL, GO] = [k.PAUSE_ARMED, k.PAUSE_SKIP, k.PAUSE_PAUSED, k.PAUSE_DETAIL, k.PAUSE_GO].map(at)
  return {
    /** The next thread to reach `step`, after `skip` hits of it, stops there. */
    arm (step, skip = 0) {
      Atomics.store(words, PAUSED, 0)
      Atomics.store(words, GO, 0)
      Atomics.store(words, SKIP, skip)
      Atomics.store(words, ARMED, step)
    },
    disarm () { Atomics.store(words, ARMED, 0) },
    /** Resolves with { step, detail } once a thread stopped; rejects with a message after `ms`. */
    async stopped (ms = 10_000) {
      const until = Date.now() + ms
      while (Atomics.load(words, PAUSED) === 0) {
        if (Date.now() >= until) throw new Error(`no thread reached step ${Atomics.load(words, ARMED)} within ${ms} ms`)
        await Atomics.waitAsync(words, PAUSED, 0, Math.max(1, until - Date.now())).value
      }
      return { step: Atomics.load(words, PAUSED), detail: Atomics.load(words, DETAIL) >>> 0 }
    },
    /** Lets the thread stopped at `step` (by default the last one to stop) go on. */
    go (step = Atomics.load(words, PAUSED)) {
      Atomics.store(words, GO, step)
      Atomics.notify(words, GO)
    }
  }
}

/** A holder thread on the table `shared` (made with the pause module); `call(op, ...args)` runs an op there. */
export async function startHolder (shared) {
  const worker = new Worker(new URL('../workers/paused-holder.mjs', import.meta.url), { workerData: { shared } })
  await once(worker, m => m.ready)
  const waiting = new Map()
  let next = 0
  worker.on('message', ({ id, result, error }) => {
    const call = waiting.get(id)
    if (call === undefined) return
    waiting.delete(id)
    if (error !== undefined) call.reject(new Error(`holder ${call.op}: ${error}`))
    else call.resolve(result)
  })
  const fail = error => { for (const call of waiting.values()) call.reject(error); waiting.clear() }
  worker.on('error', fail)
  worker.on('exit', code => fail(new Error(`the holder exited with ${code} before answering`)))
  return {
    call (op, ...args) {
      const id = ++next
      worker.postMessage({ id, op, args })
      return new Promise((resolve, reject) => waiting.set(id, { op, resolve, reject }))
    },
    stop: () => worker.terminate()
  }
}

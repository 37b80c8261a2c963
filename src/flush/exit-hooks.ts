// Flushing once more when a Node process is told to end or runs out of work.

/** Signals a final flush may hook (named here so the types need no Node typings). */
export type ExitSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR1' | 'SIGUSR2' | 'SIGBREAK'

export interface ExitHookOptions {
  /** Signals that trigger a final flush (default SIGTERM and SIGINT). */
  signals?: ExitSignal[]
  /** Also flush on 'beforeExit', when the event loop runs dry (default true). */
  beforeExit?: boolean
  /**
   * How long the final flush may take once triggered (ms, default 10000): then
   * the process exits even if it has not settled, with 128 + the signal's
   * number after a signal (143 for SIGTERM), with process.exitCode after beforeExit.
   * Infinity: no deadline.
   */
  deadlineMs?: number
}

export const DEFAULT_EXIT_DEADLINE_MS = 10_000

type NodeProcess = typeof process

// The numbers that are the same on every POSIX system (and Windows' SIGBREAK); the rest are asked of Node.
const SIGNAL_NUMBERS: Partial<Record<ExitSignal, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15, SIGBREAK: 21 }

function nodeProcess (): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process
  return p !== undefined && typeof p.on === 'function' && typeof p.kill === 'function' ? p : undefined
}

/** The exit code of a process a default handler ended: 128 + the signal's number. */
function signalExitCode (proc: NodeProcess, signal: ExitSignal): number {
  let n = SIGNAL_NUMBERS[signal]
  try {
    const os = proc.getBuiltinModule?.('os') // Node 20.16+; older ones fall back to the table
    n = os?.constants.signals[signal] ?? n
  } catch {}
  return 128 + (n ?? 15)
}

/**
 * Calls `stop` on the signals and on beforeExit. After a signal's final flush,
 * if nobody else listens for it, the signal is raised again so the process
 * ends the way it would have. While that flush runs, a second hooked signal
 * exits at once (128 + its number), and `deadlineMs` after the first the
 * process exits whether or not it settled. Returns the function that removes
 * the hooks. Outside Node this does nothing.
 */
export function hookExit (stop: () => Promise<unknown>, options: ExitHookOptions = {}): () => void {
  const proc = nodeProcess()
  if (proc === undefined) return () => {}
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const deadlineMs = options.deadlineMs ?? DEFAULT_EXIT_DEADLINE_MS
  if (typeof deadlineMs !== 'number' || !(deadlineMs >= 0)) throw new RangeError(`exit hooks: deadlineMs must be a number of ms >= 0 or Infinity, got ${String(deadlineMs)}`)
  const handlers = new Map<ExitSignal, () => void>()
  const unhook = (): void => {
    for (const [signal, handler] of handlers) proc.off(signal, handler)
    handlers.clear()
    proc.off('beforeExit', onBeforeExit)
  }
  const listen = (make: (signal: ExitSignal) => () => void): void => {
    for (const signal of signals) {
      const handler = make(signal)
      handlers.set(signal, handler)
      proc.on(signal, handler)
    }
  }
  // Runs stop() with the deadline armed; `done` runs once it settles in time.
  const finalFlush = (exitCode: () => number, ref: boolean, done: () => void): void => {
    // setTimeout would fire a delay past 2^31 - 1 ms at once: such a deadline is none.
    const deadline = deadlineMs <= 0x7fffffff ? setTimeout(() => proc.exit(exitCode()), deadlineMs) : undefined
    if (!ref) deadline?.unref?.() // after beforeExit it must not be what keeps the process up
    stop().catch(() => {}).finally(() => { clearTimeout(deadline); done() })
  }
  const onBeforeExit = (): void => {
    unhook()
    finalFlush(() => typeof proc.exitCode === 'number' ? proc.exitCode : 0, false, () => {})
  }
  let exiting = false
  listen(signal => () => {
    exiting = true
    unhook()
    listen(again => () => proc.exit(signalExitCode(proc, again))) // a second signal: out now
    finalFlush(() => signalExitCode(proc, signal), true, () => {
      unhook()
      if (proc.listenerCount(signal) === 0) proc.kill(proc.pid, signal)
    })
  })
  if (options.beforeExit ?? true) proc.on('beforeExit', onBeforeExit)
  return () => { if (!exiting) unhook() } // stop() calls it: the second-signal hooks stay until the flush ends
}

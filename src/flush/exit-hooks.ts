// Flushing once more when a Node process is told to end or runs out of work.

/** Signals a final flush may hook (named here so the types need no Node typings). */
export type ExitSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR1' | 'SIGUSR2' | 'SIGBREAK'

export interface ExitHookOptions {
  /** Signals that trigger a final flush (default SIGTERM and SIGINT). */
  signals?: ExitSignal[]
  /** Also flush on 'beforeExit', when the event loop runs dry (default true). */
  beforeExit?: boolean
}

type NodeProcess = typeof process

function nodeProcess (): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process
  return p !== undefined && typeof p.on === 'function' && typeof p.kill === 'function' ? p : undefined
}

/**
 * Calls `stop` on the signals and on beforeExit. After a signal's final flush,
 * if nobody else listens for it, the signal is raised again so the process
 * ends the way it would have. Returns the function that removes the hooks.
 * Outside Node this does nothing.
 */
export function hookExit (stop: () => Promise<unknown>, options: ExitHookOptions = {}): () => void {
  const proc = nodeProcess()
  if (proc === undefined) return () => {}
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const handlers = new Map<ExitSignal, () => void>()
  const unhook = (): void => {
    for (const [signal, handler] of handlers) proc.off(signal, handler)
    handlers.clear()
    proc.off('beforeExit', onBeforeExit)
  }
  const onBeforeExit = (): void => { unhook(); void stop().catch(() => {}) }
  for (const signal of signals) {
    const handler = (): void => {
      unhook()
      stop().catch(() => {}).finally(() => {
        if (proc.listenerCount(signal) === 0) proc.kill(proc.pid, signal)
      })
    }
    handlers.set(signal, handler)
    proc.on(signal, handler)
  }
  if (options.beforeExit ?? true) proc.on('beforeExit', onBeforeExit)
  return unhook
}

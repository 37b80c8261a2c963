/** Thrown when a memory holds no wasm-tally table, or one of another layout. */
export class TallyLayoutError extends Error {
  override name = 'TallyLayoutError'
}

/** Thrown by snapshot() when another flusher holds the lock past the wait allowed. */
export class TallyBusyError extends Error {
  override name = 'TallyBusyError'
}

// wasm-tally's core: a fixed-slot table of per-topic counters in one shared
// linear memory. Exports numbers only; allocates nothing.
export { bytesFor, create, attach, takeTicket, tableCapacity, tableStripes,
  epoch, overflowTopics, registered, stripesInUse } from "./table";
export { scratchAcquire, scratchRelease, resolve, slotKey, slotKeyLength } from "./directory";
export { cell, add, inc, flip, claimFlush, drain, take } from "./counters";
export { lockTry, lockRelease, lockDeadline, lockAddress } from "./lock";

// wasm-tally's core: a fixed-slot table of per-topic counters in one shared
// linear memory. Exports numbers only; allocates nothing.
export { bytesFor, create, attach, takeTicket, tableCapacity, tableStripes, tableId, tableRowCells, address, schemaLength,
  epoch, pendingBatch, overflowTopics, registered, stripesInUse } from "./table";
export { scratchAcquire, scratchRelease, resolve, slotKey, slotKeyLength } from "./directory";
export { observe, addObserve } from "./histogram";
export { cell, add, inc, claimFlush, batchOpen, batchRows, batchBig, defer, peek, reduce, batchRename, batchAck } from "./counters";
export { lockTry, lockRenew, lockRelease, lockDeadline } from "./lock";

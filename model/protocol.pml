/*
 * wasm-tally: the counter table's concurrency protocol after the redesign
 * (a pending batch in staging, delivered, redelivered after a takeover, and
 * acknowledged), as a Promela model for SPIN. See model/README.md.
 *
 * Scenarios:
 *   (default)     2 writers and 2 Flushers running the delivery cycle
 *   -DSNAPSHOT    2 writers and 2 callers of the destructive snapshot()
 *   -DMIXED       2 writers, 1 Flusher and 1 snapshot() caller on one table
 * When the writers and those processes have all finished or died, a lone
 * live process (it never dies) runs the drain-to-zero phase: 3 delivery
 * cycles (default), or 3 snapshots (-DSNAPSHOT, -DMIXED: a pending batch,
 * then both buffers); then the final checks run.
 *
 * A snapshot() result carries its batch's seq like a delivery, and both go
 * into one log: the reader the properties speak of keeps the first result or
 * delivery of each seq and drops later ones.
 *
 * Environment:
 *   -DSTALLS=n        takeovers of a LIVE holder whose lease expired (it
 *                     stalled); the lease of a dead holder can always be taken
 *   -DSTALL_ANYWHERE  a live holder can be overtaken at any step; without it,
 *                     only while it delivers (from reading the batch to the
 *                     renew), the one step that waits on I/O
 *   -DDEATHS=n        processes that may die (stop for good), at any step
 * Deliberately broken variants:
 *   -DREREAD_EPOCH      the batch id is re-read from EPOCH after the flip
 *                       instead of being the atomic add's returned value
 *   -DACK_NO_RENEW      the ack does not renew (check) the lock first
 *   -DACK_NO_CHECKS     the ack checks neither the lock nor PENDING == seq
 *   -DLOAD_STORE_DRAIN  the drain moves a word by load, store 0, add
 * Properties: all on; -DONLY_EPOCH keeps only batch-id / epoch uniqueness
 * (and drops the delivery log, which only the other properties need);
 * -DONLY_LOSS keeps only "nothing recorded is missing at the end" (no check
 * for doubling), to show a loss where a doubling would be found first;
 * -DSUM_READER (snapshot() callers only) checks for a reader that adds up
 * every result instead of keeping the first of each seq.
 */

#ifndef ROWS
#define ROWS 2
#endif
#ifndef INCS0
#define INCS0 2       /* increments by writer 0 (rows 0, 1, 0, ...) */
#endif
#ifndef INCS1
#define INCS1 1       /* increments by writer 1 (rows 1, 0, 1, ...) */
#endif
#ifndef ADD0
#define ADD0 1        /* units per increment of writer 0 */
#endif
#ifndef ADD1
#define ADD1 1        /* units per increment of writer 1 */
#endif
#ifndef CYCLES
#define CYCLES 2      /* delivery cycles or snapshots per first-phase process */
#endif
#ifndef STALLS
#define STALLS 2
#endif
#ifndef DEATHS
#define DEATHS 2
#endif
#define LONE 3        /* owner id of the lone live process; the others are 1, 2 */
#define MAXSEQ 12

#ifdef ONLY_EPOCH
#define CHECK(c) skip
#define GHOST(s) skip
#else
#define CHECK(c) assert(c)
#define GHOST(s) s
#endif
#ifdef ONLY_LOSS
#define DOUBLE_CHECK(c) skip
#define TOTAL_CHECK(a, b) assert(a >= b)
#else
#define DOUBLE_CHECK(c) assert(c)
#define TOTAL_CHECK(a, b) CHECK(a == b)
#endif

#define CNT(b, r) counter[(b) * ROWS + (r)]

/* ---- shared memory: each word is changed by atomic instructions only ---- */
byte ACTIVE;                /* the buffer writers add to */
byte counter[2 * ROWS];     /* counter[buffer][row]; stripes folded into one */
byte staging[ROWS];
byte EPOCH;
byte PENDING;               /* seq of the batch sitting in staging, 0 = none */
byte lock;                  /* owner id, 0 = free; the lease is abstracted */

/* ---- environment ---- */
bit dead[LONE + 1];
bit delivering[LONE + 1];   /* from reading the batch to the renew */
byte stalls;                /* takeovers of live holders so far */
byte deaths;
byte running;               /* first-phase processes not finished or dead */

/* ---- ghost state ---- */
byte recorded[ROWS];        /* units added, per row */
bit used[MAXSEQ];           /* batch ids / epochs handed out by flips */
bit delivered[MAXSEQ];      /* seq delivered (or returned by snapshot()) at least once */
byte first[MAXSEQ * ROWS];  /* the first delivery of each seq */
byte dsum[ROWS];            /* the deduplicating reader's total */
byte taken[ROWS];           /* units taken out of staging by snapshot() callers */
byte dropped[ROWS];         /* units a snapshot() caller took and died with */

/* Every step on shared memory: the process may die instead of taking it.
   Nothing in these models uses `else`: where an `if` is the first statement
   of a step, SPIN weighs its `else` against the death option as well, so an
   `else` branch would be taken only once no death is left. */
#define STEP(s) \
  if \
  :: atomic { deaths < DEATHS && me != LONE -> deaths++; dead[me] = 1; goto died } \
  :: atomic { s } \
  fi

/* A step that only reads shared memory. Dying just before it looks, to every
   other process, the same as dying just before the next step, so no death
   branch is offered here (fewer states, same behaviours). */
#define READ(s) atomic { s }

#ifdef STALL_ANYWHERE
#define STALLABLE(h) 1
#else
#define STALLABLE(h) delivering[h]
#endif

/* CAS free -> mine, or CAS expired -> mine (a takeover). */
#define ACQUIRE \
  STEP( \
    if \
    :: lock == 0 -> lock = me \
    :: lock != 0 && dead[lock] -> lock = me \
    :: lock != 0 && !dead[lock] && stalls < STALLS && STALLABLE(lock) -> lock = me; stalls++ \
    fi )

/* CAS held -> 0: fails harmlessly once taken over. */
#define RELEASE STEP( if :: lock == me -> lock = 0 :: lock != me fi )

/* Units are conserved at every step when only snapshots take them. */
#ifdef SNAPSHOT
#define MOVE_CHECK(r) CHECK(taken[r] + CNT(0, r) + CNT(1, r) + staging[r] == recorded[r])
#else
#define MOVE_CHECK(r) skip
#endif

/* The reader's log: (seq, batch) from a delivery or a snapshot() result. It
   keeps the first of each seq; a later one must hold nothing the first did not. */
#ifdef SUM_READER
#define LOG(seq, batch) skip
#define FINAL_TOTAL(r) CHECK(taken[r] == recorded[r])
#else
#define FINAL_TOTAL(r) TOTAL_CHECK(dsum[r] + dropped[r], recorded[r])
#define LOG(seq, batch) \
  GHOST( \
  if \
  :: !delivered[seq] -> \
     delivered[seq] = 1; \
     r = 0; \
     do \
     :: r < ROWS -> \
        first[seq * ROWS + r] = batch[r]; \
        dsum[r] = dsum[r] + batch[r]; \
        DOUBLE_CHECK(dsum[r] + dropped[r] <= recorded[r]);  /* no unit in two seqs */ \
        r++ \
     :: r >= ROWS -> break \
     od \
  :: delivered[seq] -> \
     DOUBLE_CHECK(deaths + stalls > 0);                    /* again only after a takeover */ \
     r = 0; \
     do \
     :: r < ROWS -> DOUBLE_CHECK(batch[r] <= first[seq * ROWS + r]); r++ \
     :: r >= ROWS -> break \
     od \
  fi )
#endif

/* Drained to zero, and the reader (plus what dead callers took) has all. */
#define FINAL_CHECKS \
  r = 0; \
  do \
  :: r < ROWS -> \
     CHECK(CNT(0, r) == 0 && CNT(1, r) == 0 && staging[r] == 0); \
     FINAL_TOTAL(r); \
     r++ \
  :: r >= ROWS -> break \
  od; \
  CHECK(PENDING == 0)

#define ZERO(a) r = 0; do :: r < ROWS -> a[r] = 0; r++ :: r >= ROWS -> r = 0; break od

/* b = atomic.load(ACTIVE); atomic.add(counter[b][row], n) */
proctype Writer(byte w; byte incs; byte n)
{
  byte k, b, row;
  do
  :: k < incs ->
     READ( row = (w + k) % ROWS; b = ACTIVE );
     atomic { CNT(b, row) = CNT(b, row) + n; GHOST(recorded[row] = recorded[row] + n); k++; b = 0; row = 0 }
  :: k >= incs -> break
  od;
  running--
}

/* e = atomic.add(EPOCH, 1) + 1; old = load(ACTIVE); store(ACTIVE, old ^ 1);
   then each row of the old buffer moves into staging. */
#ifdef REREAD_EPOCH
#define TAKE_EPOCH STEP( EPOCH++ )
#define REREAD     READ( e = EPOCH; assert(!used[e]); used[e] = 1 )
#else
#define TAKE_EPOCH STEP( EPOCH++; e = EPOCH; assert(!used[e]); used[e] = 1 )
#define REREAD     skip
#endif

#ifdef LOAD_STORE_DRAIN
/* v = load(c); store(c, 0); add(staging, v) */
#define DRAIN_ROW \
  READ( v = CNT(old, r) ); \
  STEP( CNT(old, r) = 0 ); \
  STEP( staging[r] = staging[r] + v; v = 0; MOVE_CHECK(r); r++ )
#else
/* if (load(c) != 0) add(staging, xchg(c, 0)): one step (see the README) */
#define DRAIN_ROW \
  STEP( staging[r] = staging[r] + CNT(old, r); CNT(old, r) = 0; MOVE_CHECK(r); r++ )
#endif

#define FLIP_AND_DRAIN \
  TAKE_EPOCH; \
  READ( old = ACTIVE ); \
  STEP( ACTIVE = 1 - old ); \
  REREAD; \
  r = 0; \
  do \
  :: r < ROWS -> DRAIN_ROW \
  :: r >= ROWS -> break \
  od

/* The Flusher's delivery cycle (steps numbered as in the README). */
proctype Flusher(byte me; byte cycles)
{
  byte n, e, old, seq, r, v;
  byte batch[ROWS];
  do
  :: n < cycles ->
     ACQUIRE;                                            /* 1 */
     READ( r = PENDING );                                /* 2 */
     if
     :: r == 0 ->
        FLIP_AND_DRAIN;
        STEP( PENDING = e; e = 0; old = 0 )
     :: r != 0
     fi;
     READ( seq = PENDING );                              /* 3 */
     if
     :: seq == 0 -> goto release                        /* emptied meanwhile */
     :: seq != 0
     fi;
     r = 0;
     do
     :: r < ROWS -> READ( batch[r] = staging[r]; r++; delivering[me] = (r == ROWS) )
     :: r >= ROWS -> break
     od;
     STEP( LOG(seq, batch); ZERO(batch) );               /* 4: deliver */
#if !defined(ACK_NO_RENEW) && !defined(ACK_NO_CHECKS)
     STEP(                                               /* 5: renew */
       delivering[me] = 0;
       if
       :: lock == me -> skip
       :: lock != me -> seq = 0; goto next               /* overtaken: no ack, no release */
       fi );
#else
     atomic { delivering[me] = 0 };
#endif
#ifndef ACK_NO_CHECKS
     READ( if :: PENDING == seq -> skip :: PENDING != seq -> goto release fi );
#endif
     r = 0;
     do
     :: r < ROWS -> STEP( staging[r] = 0; r++ )
     :: r >= ROWS -> break
     od;
     STEP( PENDING = 0 );
release:
     RELEASE;
next:
     atomic { n++; seq = 0; r = 0 }
  :: n >= cycles -> break
  od;
  if
  :: me == LONE -> FINAL_CHECKS
  :: me != LONE
  fi;
died:
  if
  :: me != LONE -> running--
  :: me == LONE
  fi
}

/* snapshot(), as src/tally.ts trySnapshot() and assembly/counters.ts do it:
   acquire; e = batchOpen(): the pending batch's seq if PENDING != 0 (nothing
   flipped or drained), else flip, drain and PENDING = e; take every staging
   word by xchg; CAS(PENDING, e -> 0); release; return the result under e. */
proctype Snapshotter(byte me; byte cycles)
{
  byte n, e, old, r, v;
  byte result[ROWS];
  byte mine[ROWS];            /* taken while no result of e was out yet */
  do
  :: n < cycles ->
     ACQUIRE;
     READ( e = PENDING );
     if
     :: e == 0 ->
        FLIP_AND_DRAIN;
        STEP( PENDING = e; old = 0 )
     :: e != 0
     fi;
     r = 0;
     do
     :: r < ROWS ->
        STEP( result[r] = result[r] + staging[r];
              GHOST(taken[r] = taken[r] + staging[r];
                    if :: !delivered[e] -> mine[r] = mine[r] + staging[r] :: delivered[e] fi);
              staging[r] = 0; MOVE_CHECK(r); r++ )
     :: r >= ROWS -> break
     od;
     STEP( if :: PENDING == e -> PENDING = 0 :: PENDING != e fi );
     RELEASE;
     atomic { LOG(e, result); n++; e = 0; ZERO(result); ZERO(mine) }
  :: n >= cycles -> break
  od;
  if
  :: me == LONE -> FINAL_CHECKS
  :: me != LONE
  fi;
died:
  if
  :: me != LONE ->
     /* what this caller took goes with it (units of a seq already out are in that first result) */
     atomic { r = 0; do :: r < ROWS -> GHOST(dropped[r] = dropped[r] + mine[r]); r++ :: r >= ROWS -> break od; running-- }
  :: me == LONE
  fi
}

init
{
  atomic {
    running = 4;
    run Writer(0, INCS0, ADD0);
    run Writer(1, INCS1, ADD1);
#if defined(SNAPSHOT)
    run Snapshotter(1, CYCLES);
    run Snapshotter(2, CYCLES)
#elif defined(MIXED)
    run Flusher(1, CYCLES);
    run Snapshotter(2, CYCLES)
#else
    run Flusher(1, CYCLES);
    run Flusher(2, CYCLES)
#endif
  }
  (running == 0);
#if defined(SNAPSHOT) || defined(MIXED)
  run Snapshotter(LONE, 3)
#else
  run Flusher(LONE, 3)
#endif
}

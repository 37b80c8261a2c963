/*
 * wasm-tally: the counter table's concurrency protocol (cumulative counters,
 * two regions of totals, a pending batch named by PENDING, delivered,
 * delivered again after a takeover, and acknowledged by one compare-and-swap),
 * as a Promela model for SPIN. See model/README.md.
 *
 * Scenarios:
 *   (default)     2 writers and 2 Flushers running the delivery cycle
 *   -DSNAPSHOT    2 writers and 2 callers of snapshot()
 *   -DMIXED       2 writers, 1 Flusher and 1 snapshot() caller on one table
 * When the writers and those processes have all finished or died, a lone
 * live process (it never dies) runs the final phase: 3 delivery cycles
 * (default), or 3 snapshots (-DSNAPSHOT, -DMIXED): a pending batch, then
 * everything counted since; then the final checks run.
 *
 * A snapshot() result carries its batch's seq like a delivery, and both go
 * into one log: the reader the properties speak of keeps the first result or
 * delivery of each seq and drops later ones.
 *
 * Environment:
 *   -DSTALLS=n        takeovers of a LIVE holder whose lease expired (it
 *                     stalled); the lease of a dead holder can always be taken
 *   -DSTALL_ANYWHERE  a live holder can be overtaken at any step; without it,
 *                     only while it reads and delivers the batch (from its
 *                     first read of the batch to the renew; for snapshot(),
 *                     to its return)
 *   -DSTALL_AFTER_READ  the same, but only from the end of the batch's read
 *   -DDEATHS=n        processes that may die (stop for good), at any step
 * Deliberately broken variants:
 *   -DREREAD_EPOCH    the batch id is re-read from EPOCH after the stage is
 *                     written, instead of being the atomic add's returned value
 *   -DNO_GATE         the Flusher does not re-read PENDING after reading the
 *                     batch (step 4)
 *   -DSPLIT_ACK       the ack is two stores: first the base becomes 1 - b,
 *                     then the seq becomes 0
 *   -DRESET_DRAIN     forming reads and resets each counter (load, store 0)
 *                     and stores base + what it read into the stage
 * A weakened variant that still holds (see the README):
 *   -DACK_NO_RENEW    the ack does not renew (check) the lock first (step 6)
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
#define INCS1 2       /* increments by writer 1 (rows 1, 0, 1, ...) */
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

/* PENDING = seq << 1 | b: the pending batch's seq (0 = none) and the base region */
#define PEND(s, b) ((s) * 2 + (b))
#define SEQ(p) ((p) / 2)
#define BASE(p) ((p) % 2)
#define TOT(b, r) T[(b) * ROWS + (r)]

/* ---- shared memory: each word is changed by atomic instructions only ---- */
byte counter[ROWS];         /* cumulative; stripes folded into one word */
byte T[2 * ROWS];           /* T[region][row]: the base and the stage */
byte EPOCH;
byte PENDING;               /* PEND(seq, base) */
byte lock;                  /* owner id, 0 = free; the lease is abstracted */

/* ---- environment ---- */
bit dead[LONE + 1];
bit delivering[LONE + 1];   /* from the first read of the batch to the renew (or return) */
byte stalls;                /* takeovers of live holders so far */
byte deaths;
byte running;               /* first-phase processes not finished or dead */

/* ---- ghost state ---- */
byte recorded[ROWS];        /* units added, per row */
bit used[MAXSEQ];           /* batch ids / epochs handed out by add(EPOCH) */
bit delivered[MAXSEQ];      /* seq delivered (or returned by snapshot()) at least once */
byte first[MAXSEQ * ROWS];  /* the first delivery of each seq */
short dsum[ROWS];           /* the deduplicating reader's total (wider: a garbage batch must not wrap it) */
byte taken[ROWS];           /* units snapshot() callers took by a successful ack */
short dropped[ROWS];         /* units a snapshot() caller took and died with */

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

/* The reader's log: (seq, batch) from a delivery or a snapshot() result. It
   keeps the first of each seq; a later one must hold nothing the first did not.
   A batch read across a change of the regions can be negative in a row: it
   wraps, as the core's 64-bit subtraction does, to a large value. */
#ifdef SUM_READER
#define LOG(seq, batch) skip
#define LOST(seq, batch) skip
#define FINAL_TOTAL(r) CHECK(taken[r] == recorded[r])
#else
#define FINAL_TOTAL(r) TOTAL_CHECK(dsum[r] + dropped[r], recorded[r])
#define FIRST(seq, batch, sum) \
     delivered[seq] = 1; \
     r = 0; \
     do \
     :: r < ROWS -> \
        first[seq * ROWS + r] = batch[r]; \
        sum[r] = sum[r] + batch[r]; \
        DOUBLE_CHECK(dsum[r] + dropped[r] <= recorded[r]);  /* no unit in two seqs */ \
        r++ \
     :: r >= ROWS -> break \
     od
#define LOG(seq, batch) \
  GHOST( \
  if \
  :: !delivered[seq] -> FIRST(seq, batch, dsum) \
  :: delivered[seq] -> \
     DOUBLE_CHECK(deaths + stalls > 0);                    /* again only after a takeover */ \
     r = 0; \
     do \
     :: r < ROWS -> DOUBLE_CHECK(batch[r] <= first[seq * ROWS + r]); r++ \
     :: r >= ROWS -> break \
     od \
  fi )
/* A snapshot() caller that dies after its successful ack, before returning:
   if no result of that seq was out yet, the seq's first result is the one it
   took, and it is lost (dropped); a later one of that seq is a repeat. */
#define LOST(seq, batch) \
  GHOST( \
  if \
  :: !delivered[seq] -> FIRST(seq, batch, dropped) \
  :: delivered[seq] \
  fi )
#endif

/* Everything counted was acknowledged, nothing is pending, and the reader
   (plus what dead callers took) has all of it. */
#ifdef RESET_DRAIN
#define ACKED(r) (counter[r] == 0)
#else
#define ACKED(r) (TOT(BASE(PENDING), r) == counter[r])
#endif
#define FINAL_CHECKS \
  r = 0; \
  do \
  :: r < ROWS -> \
     FINAL_TOTAL(r); \
     CHECK(ACKED(r)); \
     r++ \
  :: r >= ROWS -> break \
  od; \
  CHECK(SEQ(PENDING) == 0)

#define ZERO(a) r = 0; do :: r < ROWS -> a[r] = 0; r++ :: r >= ROWS -> r = 0; break od

/* atomic.add(counter[stripe][row], n): one instruction */
proctype Writer(byte w; byte incs; byte n)
{
  byte k;
  do
  :: k < incs ->
     atomic { counter[(w + k) % ROWS] = counter[(w + k) % ROWS] + n; GHOST(recorded[(w + k) % ROWS] = recorded[(w + k) % ROWS] + n); k++ }
  :: k >= incs -> break
  od;
  running--
}

/* e = atomic.add(EPOCH, 1) + 1 names the batch being formed. */
#ifdef REREAD_EPOCH
#define TAKE_EPOCH STEP( EPOCH++ )
#define REREAD     READ( e = EPOCH; assert(!used[e]); used[e] = 1 )
#else
#define TAKE_EPOCH STEP( EPOCH++; e = EPOCH; assert(!used[e]); used[e] = 1 )
#define REREAD     skip
#endif

#ifdef RESET_DRAIN
/* v = load(counter); store(counter, 0); store(stage, base + v) */
#define FORM_ROW \
  READ( v = counter[r] ); \
  STEP( counter[r] = 0 ); \
  STEP( TOT(1 - b, r) = TOT(b, r) + v; v = 0; r++ )
#else
/* v = load(counter); store(stage, v): a holder can make the store late */
#define FORM_ROW \
  READ( v = counter[r] ); \
  STEP( TOT(1 - b, r) = v; v = 0; r++ )
#endif

/* Step 2, open: (seq, b) = PENDING. A pending batch is delivered again under
   its seq; else a batch is formed into the stage and CAS(PENDING, (0, b) ->
   (e, b)) makes it pending. If that CAS fails (PENDING changed meanwhile:
   another holder took over), open starts again. */
#define OPEN \
open: \
  READ( seq = SEQ(PENDING); b = BASE(PENDING) ); \
  if \
  :: seq != 0 \
  :: seq == 0 -> \
     TAKE_EPOCH; \
     r = 0; \
     do \
     :: r < ROWS -> FORM_ROW \
     :: r >= ROWS -> r = 0; break \
     od; \
     REREAD; \
     STEP( \
       if \
       :: PENDING == PEND(0, b) -> PENDING = PEND(e, b); seq = e; e = 0 \
       :: PENDING != PEND(0, b) -> e = 0; goto open \
       fi ) \
  fi

/* Step 3: batch[r] = stage[r] - base[r] (one step per row for both loads).
   The holder can be overtaken from its first read on (or only once it has
   read every row: -DSTALL_AFTER_READ). */
#ifdef STALL_AFTER_READ
#define WINDOW(r) (r == ROWS)
#else
#define WINDOW(r) 1
#endif
#define READ_BATCH(batch) \
  r = 0; \
  do \
  :: r < ROWS -> READ( batch[r] = TOT(1 - b, r) - TOT(b, r); r++; delivering[me] = WINDOW(r) ) \
  :: r >= ROWS -> r = 0; break \
  od

/* Step 7: CAS(PENDING, (seq, b) -> (0, 1 - b)): the stage becomes the base. */
#ifdef SPLIT_ACK
#define ACK \
  STEP( PENDING = PEND(seq, 1 - b) ); \
  STEP( PENDING = PEND(0, 1 - b) )
#else
#define ACK STEP( if :: PENDING == PEND(seq, b) -> PENDING = PEND(0, 1 - b) :: PENDING != PEND(seq, b) fi )
#endif

/* The Flusher's delivery cycle (steps numbered as in the README). */
proctype Flusher(byte me; byte cycles)
{
  byte n, e, seq, b, r, v;
  byte batch[ROWS];
  do
  :: n < cycles ->
     ACQUIRE;                                            /* 1 */
     OPEN;                                               /* 2 */
     READ_BATCH(batch);                                  /* 3 */
#ifndef NO_GATE
     READ(                                               /* 4: gate */
       if
       :: PENDING == PEND(seq, b) -> skip
       :: PENDING != PEND(seq, b) -> delivering[me] = 0; ZERO(batch); goto release
       fi );
#endif
     STEP( LOG(seq, batch); ZERO(batch) );               /* 5: deliver */
#ifndef ACK_NO_RENEW
     STEP(                                               /* 6: renew */
       delivering[me] = 0;
       if
       :: lock == me -> skip
       :: lock != me -> goto next                        /* overtaken: no ack, no release */
       fi );
#else
     atomic { delivering[me] = 0 };
#endif
     ACK;                                                /* 7 */
release:
     RELEASE;                                            /* 8 */
next:
     atomic { n++; seq = 0; b = 0; r = 0 }
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

/* snapshot(): acquire; open as the Flusher does (a pending batch comes out
   alone, under its seq); read the batch; ack by the same CAS; release; return
   the result under seq if the CAS succeeded, else nothing. */
#ifdef SNAPSHOT
/* Everything snapshot() callers took is exactly the base (then nothing else acknowledges). */
#define TAKE_CHECK(r) CHECK(taken[r] == TOT(BASE(PENDING), r))
#else
#define TAKE_CHECK(r) skip
#endif
proctype Snapshotter(byte me; byte cycles)
{
  byte n, e, seq, b, r, v;
  bit took;                   /* the ack succeeded: the result is the caller's */
  byte result[ROWS];
  do
  :: n < cycles ->
     ACQUIRE;
     OPEN;
     READ_BATCH(result);
     STEP(
       if
       :: PENDING == PEND(seq, b) ->
          PENDING = PEND(0, 1 - b); took = 1;
          r = 0;
          do
          :: r < ROWS -> GHOST(taken[r] = taken[r] + result[r]); TAKE_CHECK(r); r++
          :: r >= ROWS -> r = 0; break
          od
       :: PENDING != PEND(seq, b)
       fi );
     RELEASE;
     atomic {
       delivering[me] = 0;
       if :: took -> LOG(seq, result) :: !took fi;
       n++; seq = 0; b = 0; took = 0; ZERO(result) }
  :: n >= cycles -> break
  od;
  if
  :: me == LONE -> FINAL_CHECKS
  :: me != LONE
  fi;
died:
  if
  :: me != LONE ->
     /* a caller that dies before its ack took nothing; after it, it took the batch with it */
     atomic { if :: took -> LOST(seq, result) :: !took fi; running-- }
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

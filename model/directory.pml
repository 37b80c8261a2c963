/*
 * wasm-tally: the topic directory (topic -> slot registration) after the
 * redesign, where an entry's state word carries the key's hash while it is
 * being claimed. A Promela model for SPIN. See model/README.md.
 *
 * An entry: EMPTY -> CLAIMING(hash) by CAS; the claimer writes the key,
 * takes a slot ticket (a ticket >= CAP means the overflow row), records
 * slot -> entry, writes the slot, and publishes READY with an atomic store.
 * A resolver probing an entry:
 *   EMPTY                 try to claim it (if the CAS fails, look again)
 *   CLAIMING, other hash  probe on at once (it cannot be the same key)
 *   CLAIMING, same hash   wait; may give up (bounded wait) only while the
 *                         claimer is stalled or dead, then probe on
 *   READY, same key       use its slot
 *   otherwise             probe on; after the last entry: the overflow row
 * Each thread resolves its keys one after the other and adds one unit to
 * the row it got for each.
 *
 *   -DK0=a -DK1=b -DK2=c  the threads' first keys (1..3)
 *   -DL0=a -DL1=b -DL2=c  the threads' second keys (0: none)
 *   -DCAP=n               slots before the overflow row
 *   -DSTALLS=n            give-ups on a live (stalled) claimer
 *   -DDEATHS=n            threads that may die, at any step
 * Deliberately broken variant:
 *   -DSKIP_SAME_HASH      a claiming entry is probed past without waiting,
 *                         even when the hash is the same
 */

#ifndef K0
#define K0 1
#endif
#ifndef K1
#define K1 1
#endif
#ifndef K2
#define K2 2
#endif
#ifndef L0
#define L0 0
#endif
#ifndef L1
#define L1 0
#endif
#ifndef L2
#define L2 0
#endif
#ifndef CAP
#define CAP 1
#endif
#ifndef STALLS
#define STALLS 1
#endif
#ifndef DEATHS
#define DEATHS 1
#endif
#define ENTRIES 4               /* a power of two */
#define MASK (ENTRIES - 1)
#define NT 3
#define NKEYS 4

/* keys 1 and 2 collide on hash 0; key 3 hashes to 1 */
#define HASH(k) ((k) == 3 -> 1 : 0)

#define EMPTY 0
#define CLAIMING 1
#define READY 2

/* shared memory */
byte state[ENTRIES];            /* state and hash are one word, */
byte shash[ENTRIES];            /* changed together by one atomic step */
byte key[ENTRIES];              /* plain stores before READY is published */
byte slot[ENTRIES];
byte tickets;
byte slotEntry[CAP];            /* slot -> entry index + 1 */
byte rows[CAP + 1];             /* units per row; row CAP is the overflow row */

/* environment and ghosts */
byte claimer[ENTRIES];          /* thread id + 1 of an entry's claimer */
bit dead[NT];
byte deaths, stalls, giveups;
byte running;
byte slotOf[NKEYS];             /* the first row resolved for each key, 255 = none */
byte recorded[NKEYS];           /* units recorded per key */
byte overflowed[NKEYS];         /* of which added to the overflow row */

/* A thread may die instead of taking a step. No `else` anywhere: in the
   first statement of a step SPIN would weigh it against the death option. */
#define STEP(s) \
  if \
  :: atomic { deaths < DEATHS -> deaths++; dead[t] = 1; goto died } \
  :: atomic { s } \
  fi
#define READ(s) atomic { s }

/* The reader's view: row s is named by the key of the READY entry that
   slotEntry[s] points at. */
#define NAMED(s, k) \
  (slotEntry[s] != 0 && state[slotEntry[s] - 1] == READY && key[slotEntry[s] - 1] == (k))

proctype Resolver(byte t; byte k; byte next)
{
  byte h, i, probes, st, sh, tk, s;
resolve:
  atomic { h = HASH(k); i = h & MASK; probes = 0; st = 0; sh = 0; tk = 0; s = 0 }
  do
  :: probes <= MASK ->
     READ( st = state[i]; sh = shash[i] );
again:
     if
     :: st == EMPTY ->
        STEP( if
              :: state[i] == EMPTY -> state[i] = CLAIMING; shash[i] = h; claimer[i] = t + 1; st = 255
              :: state[i] != EMPTY -> st = state[i]; sh = shash[i]
              fi );
        if
        :: st == 255 -> goto claim
        :: st != 255 -> goto again
        fi
     :: st == CLAIMING && sh != h -> skip                 /* another key: probe on */
     :: st == CLAIMING && sh == h ->
#ifndef SKIP_SAME_HASH
        do
        :: READ( state[i] != CLAIMING -> st = state[i]; sh = shash[i] ); goto again
        :: atomic { state[i] == CLAIMING && dead[claimer[i] - 1] -> giveups++ }; break
        :: atomic { state[i] == CLAIMING && !dead[claimer[i] - 1] && stalls < STALLS ->
                    stalls++; giveups++ }; break
        od
#else
        skip
#endif
     :: st == READY ->
        if
        :: READ( key[i] == k -> s = slot[i] ); goto found
        :: READ( key[i] != k )                            /* probe on */
        fi
     fi;
     atomic { i = (i + 1) & MASK; probes++; st = 0; sh = 0 }
  :: probes > MASK -> break
  od;
  s = CAP;                                                /* every entry probed: overflow row */
  goto found;
claim:
  STEP( key[i] = k );
  STEP( tk = tickets; tickets++ );
  if
  :: tk < CAP -> STEP( slotEntry[tk] = i + 1; s = tk )
  :: tk >= CAP -> s = CAP
  fi;
  STEP( slot[i] = s );
  STEP( state[i] = READY );
found:
  STEP(
    assert(s <= CAP);
    assert(s == CAP || NAMED(s, k));                      /* the row is named by its key */
    assert(giveups > 0 || slotOf[k] == 255 || slotOf[k] == s);  /* one row per key */
    if :: slotOf[k] == 255 -> slotOf[k] = s :: slotOf[k] != 255 fi;
    rows[s]++; recorded[k]++;
    if :: s == CAP -> overflowed[k]++ :: s != CAP fi );
  if
  :: next != 0 -> atomic { k = next; next = 0 }; goto resolve
  :: next == 0
  fi;
died:
  running--
}

init
{
  byte a, b, k;
  atomic {
    slotOf[1] = 255; slotOf[2] = 255; slotOf[3] = 255;
    running = 3;
    run Resolver(0, K0, L0);
    run Resolver(1, K1, L1);
    run Resolver(2, K2, L2)
  }
  (running == 0);
  atomic {
    /* nothing lost: merging the named rows by key, plus what each key added
       to the overflow row, gives every unit recorded for that key */
    b = 0;
    k = 1;
    do
    :: k < NKEYS ->
       a = 0; b = overflowed[k];
       do
       :: a < CAP -> if :: NAMED(a, k) -> b = b + rows[a] :: !NAMED(a, k) fi; a++
       :: a >= CAP -> break
       od;
       assert(b == recorded[k]);
       k++
    :: k >= NKEYS -> break
    od
  }
}

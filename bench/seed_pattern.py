"""The seed's pattern, as the historical reference: a dict of counters guarded
by a threading.Lock, incremented by writer threads, snapshot-and-clear under the
lock by a flusher thread. Prints one JSON object: ns per increment for 1 and 2
writer threads, each measured `rounds` times, with the counts checked exactly.

    python3 bench/seed_pattern.py [--quick]
"""
import json
import statistics
import sys
import threading
import time

TOPICS = ["bench.t%d" % i for i in range(8)]
FLUSH_EVERY_S = 0.01


class LockedTally:
    def __init__(self):
        self._lock = threading.Lock()
        self._counts = {}

    def record(self, topic, outcome, n=1):
        with self._lock:
            row = self._counts.get(topic)
            if row is None:
                row = self._counts[topic] = {"success": 0, "error": 0}
            row[outcome] += n

    def snapshot(self):
        with self._lock:
            counts, self._counts = self._counts, {}
        return counts


def writer(tally, n, start):
    start.wait()
    topics = TOPICS
    record = tally.record
    for i in range(n):
        record(topics[i & 7], "success")


def flusher(tally, stop, totals):
    while not stop.wait(FLUSH_EVERY_S):
        add(totals, tally.snapshot())
    add(totals, tally.snapshot())


def add(totals, snap):
    for topic, row in snap.items():
        totals[topic] = totals.get(topic, 0) + row["success"]


def run(threads, n):
    tally = LockedTally()
    start = threading.Barrier(threads + 1)
    stop = threading.Event()
    totals = {}
    writers = [threading.Thread(target=writer, args=(tally, n, start)) for _ in range(threads)]
    flush = threading.Thread(target=flusher, args=(tally, stop, totals))
    for t in writers:
        t.start()
    flush.start()
    start.wait()
    t0 = time.perf_counter_ns()
    for t in writers:
        t.join()
    elapsed = time.perf_counter_ns() - t0
    stop.set()
    flush.join()
    want = threads * n // 8
    for topic in TOPICS:
        if totals.get(topic, 0) != want:
            raise SystemExit("seed pattern miscounted %s: %d, expected %d" % (topic, totals.get(topic, 0), want))
    return elapsed / (threads * n)


def main():
    quick = "--quick" in sys.argv
    n = 200_000 if quick else 2_000_000
    rounds = 3 if quick else 5
    results = {1: [], 2: []}
    run(1, n // 10)  # warm-up
    for r in range(rounds):
        for threads in (1, 2):
            results[threads].append(run(threads, n))
        print("  round %d/%d: 1 thread %.1f ns, 2 threads %.1f ns" % (r + 1, rounds, results[1][-1], results[2][-1]), file=sys.stderr)
    rows = []
    for threads, values in results.items():
        rows.append({
            "id": "python-%d" % threads,
            "label": "Python threading.Lock + dict, %d writer thread%s (+ flusher every %d ms)" % (threads, "" if threads == 1 else "s", FLUSH_EVERY_S * 1000),
            "short": "Python Lock + dict, %d writer thread%s" % (threads, "" if threads == 1 else "s"),
            "group": "seed pattern, 8 topics rotating (wall ns per increment, all threads)",
            "impl": "Python %s" % ".".join(map(str, sys.version_info[:3])),
            "refersTo": "increment/tally-record8",
            "median": statistics.median(values),
            "min": min(values),
            "max": max(values),
            "runs": len(values),
            "values": values,
        })
    print(json.dumps({
        "id": "seed-pattern",
        "title": "Suite 2: the seed's Python pattern (historical reference)",
        "unit": "ns/op",
        "ratio": "cost relative to wasm-tally record(topic) over 8 topics, from suite 1 of the same run",
        "params": {"rounds": rounds, "incrementsPerThread": n, "flushEveryMs": FLUSH_EVERY_S * 1000},
        "rows": rows,
    }))


if __name__ == "__main__":
    main()

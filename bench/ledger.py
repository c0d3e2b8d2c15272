"""Ledger bars (issue 3): durable appends/s, proof times at 1M entries, full verify time.

  taskset -c 0 python bench/ledger.py [--entries 1000000] [--postgres URL]
                                      [--out bench/results/ledger.json]

Everything runs in this one process on one core (pin it with taskset), on a fresh
SQLite ledger in a temporary data directory:

1. appends: durable, acknowledged (each Receipt means fsync'd and covered by a signed
   checkpoint), two ways: (a) 64 threads each calling ``append()`` and waiting, (b) one
   producer submitting everything and then waiting for every receipt (a pipeline).
   Events are built before the clock starts; canonical encoding is inside it.
2. the log is filled to --entries; inclusion and consistency proofs are built and
   verified for random entries / sizes (median and p99 over 2,000 each) and proof sizes
   are recorded at 1k, 10k, 100k and 1M entries (they grow as log2 n).
3. ``verify_log`` over the whole log: re-hash every entry, rebuild the tree, check every
   checkpoint signature and root.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from veil.ledger import Action, Artifact, Event, Ledger, verify_log  # noqa: E402
from veil.ledger._merkle import verify_consistency, verify_inclusion  # noqa: E402

BAR_APPENDS = 50_000
BAR_PROOF_US = 100.0
BAR_VERIFY_S = 30.0


def _events(n: int, offset: int = 0) -> list[Event]:
    art = (Artifact(sha256="ab" * 32, bytes=1234, format="jsonl"),)
    return [
        Event(
            action=Action.REDACT,
            purpose="support",
            counts={"EMAIL": (i + offset) % 7, "PERSON": 2},
            inputs=art,
            run=f"{i + offset:032x}",
        )
        for i in range(n)
    ]


def appends_threads(ledger: Ledger, n: int, threads: int = 64) -> float:
    per = n // threads
    batches = [_events(per, k * per) for k in range(threads)]

    def work(events: list[Event]) -> None:
        for event in events:
            ledger.append(event)

    workers = [threading.Thread(target=work, args=(b,)) for b in batches]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return per * threads / (time.perf_counter() - start)


def appends_pipeline(ledger: Ledger, events: list[Event]) -> float:
    start = time.perf_counter()
    pending = [ledger.submit(e) for e in events]
    for p in pending:
        p.result()
    return len(events) / (time.perf_counter() - start)


def fill(ledger: Ledger, total: int) -> float:
    start, done = time.perf_counter(), ledger.tree().size
    while done < total:
        n = min(100_000, total - done)
        appends_pipeline(ledger, _events(n, done))
        done += n
    return time.perf_counter() - start


def _timed(fn: Any, repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e6)
    times.sort()
    return {
        "median_us": round(statistics.median(times), 1),
        "p99_us": round(times[int(0.99 * len(times))], 1),
    }


def proofs(ledger: Ledger, repeat: int = 2000) -> dict[str, Any]:
    tree = ledger.tree()
    n = tree.size
    root = tree.root()
    rng = random.Random(7)
    picks = [rng.randrange(n) for _ in range(repeat)]
    olds = [rng.randrange(1, n) for _ in range(repeat)]
    it, ct = iter(picks), iter(olds)
    build_inc = _timed(lambda: tree.inclusion_proof(next(it), n), repeat)
    inc = {i: tree.inclusion_proof(i, n) for i in picks}
    it = iter(picks)

    def check_inc() -> None:
        i = next(it)
        verify_inclusion(tree.leaf(i), i, n, inc[i], root)

    verify_inc = _timed(check_inc, repeat)
    build_con = _timed(lambda: tree.consistency_proof(next(ct), n), repeat)
    con = {m: (tree.root(m), tree.consistency_proof(m, n)) for m in olds}
    ct = iter(olds)

    def check_con() -> None:
        m = next(ct)
        verify_consistency(m, n, con[m][0], root, con[m][1])

    verify_con = _timed(check_con, repeat)
    sizes = {}
    for size in (1_000, 10_000, 100_000, 1_000_000):
        if size <= n:
            sizes[str(size)] = {
                "inclusion_bytes": 32 * len(tree.inclusion_proof(size // 3, size)),
                "consistency_bytes": 32 * len(tree.consistency_proof(size // 3, size)),
            }
    return {
        "entries": n,
        "inclusion_build": build_inc,
        "inclusion_verify": verify_inc,
        "consistency_build": build_con,
        "consistency_verify": verify_con,
        "proof_sizes": sizes,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--appends", type=int, default=200_000, help="entries per append measurement")
    ap.add_argument("--postgres", help="also measure appends into this PostgreSQL URL")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ledger.json")
    a = ap.parse_args(argv)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "command": " ".join(["python", "bench/ledger.py", *(argv or sys.argv[1:])]),
    }
    with tempfile.TemporaryDirectory(prefix="veil-bench-") as tmp:
        home = Path(tmp) / "home"
        with Ledger.open(home) as ledger:
            result["appends_per_s_64_threads"] = round(appends_threads(ledger, a.appends // 4))
            result["appends_per_s_pipeline"] = round(appends_pipeline(ledger, _events(a.appends)))
            print(
                f"appends/s: 64 threads {result['appends_per_s_64_threads']:,}, "
                f"pipeline {result['appends_per_s_pipeline']:,}",
                flush=True,
            )
            result["fill_s"] = round(fill(ledger, a.entries), 1)
            result["checkpoints"] = len(ledger.store.checkpoints())
            result["proofs"] = proofs(ledger)
            print(json.dumps(result["proofs"], indent=1), flush=True)
            verifier = ledger.verifier
        from veil.ledger._store import SqliteStore

        store = SqliteStore(home / "ledger.db")
        t0 = time.perf_counter()
        report = verify_log(store, [verifier])
        result["verify_s"] = round(time.perf_counter() - t0, 2)
        result["verified_entries"] = report.size
        result["db_bytes"] = (home / "ledger.db").stat().st_size
        store.close()
        print(f"verify {report.size:,} entries: {result['verify_s']} s", flush=True)
    if a.postgres:
        with tempfile.TemporaryDirectory(prefix="veil-bench-") as tmp:
            url = f"{a.postgres}?prefix=bench{int(time.time())}_"
            with Ledger.open(Path(tmp) / "home", url=url) as ledger:
                result["postgres_appends_per_s_pipeline"] = round(
                    appends_pipeline(ledger, _events(a.appends))
                )
                ledger.store.drop()  # type: ignore[attr-defined]
            print(f"postgres appends/s {result['postgres_appends_per_s_pipeline']:,}")
    p = result["proofs"]
    result["bars"] = {
        f"appends>={BAR_APPENDS}/s": max(
            result["appends_per_s_64_threads"], result["appends_per_s_pipeline"]
        )
        >= BAR_APPENDS,
        f"proofs<={BAR_PROOF_US}us (p50)": all(
            p[k]["median_us"] <= BAR_PROOF_US
            for k in (
                "inclusion_build",
                "inclusion_verify",
                "consistency_build",
                "consistency_verify",
            )
        ),
        f"verify<={BAR_VERIFY_S}s": result["verify_s"] <= BAR_VERIFY_S,
        "at_1M": result["verified_entries"] >= 1_000_000,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["bars"]))
    return 0 if all(result["bars"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Several processes append to one log at once; a process killed mid-append loses nothing
it acknowledged and leaves a log that verifies. Real processes, real SQLite files, and
(where reachable) the real local PostgreSQL server."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from veil.ledger import Ledger, verify_log
from veil.ledger._store import PostgresStore, SqliteStore, open_store

PG_URL = os.environ.get("VEIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

# A writer: appends events in small bursts and prints every acknowledged receipt at once
# (flushed), so the parent knows exactly what was acknowledged before it killed it.
WRITER = r"""
import json, sys
from veil.ledger import Action, Event, Ledger
home, url, name, count = sys.argv[1], sys.argv[2] or None, sys.argv[3], int(sys.argv[4])
with Ledger.open(home, url=url) as ledger:
    n = 0
    while count < 0 or n < count:
        burst = [Event(action=Action.ACCESS, actor=name, counts={"n": n + i}) for i in range(7)]
        for r in ledger.append_many(burst):
            print(json.dumps({"i": r.index, "leaf": r.leaf.hex()}), flush=True)
        n += len(burst)
"""


def _writer(home: Path, url: str | None, name: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(home), url or "", name, str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _acknowledged(output: str) -> dict[int, str]:
    acks: dict[int, str] = {}
    for line in output.splitlines():
        try:
            r = json.loads(line)
        except json.JSONDecodeError:  # the kill can cut the last line short: not acknowledged
            continue
        acks[r["i"]] = r["leaf"]
    return acks


def _check(home: Path, url: str | None, acks: dict[int, str]) -> int:
    """The log verifies and holds every acknowledged entry at its index; returns its size."""
    with Ledger.open(home, url=url) as ledger:
        store = ledger.store
        report = verify_log(store, [ledger.verifier])
        stored = {row.idx: row.leaf.hex() for row in store.entries()}
    missing = {i: leaf for i, leaf in acks.items() if stored.get(i) != leaf}
    assert not missing, f"acknowledged entries lost or changed: {sorted(missing)[:5]}"
    return report.size


@pytest.fixture
def pg_url() -> str:
    """A fresh set of tables in the local PostgreSQL test database (dropped afterwards)."""
    url = f"{PG_URL}?prefix=t{uuid.uuid4().hex[:10]}_"
    try:
        store = PostgresStore(url)
    except Exception as exc:
        if os.environ.get("CI"):
            raise  # CI machines run PostgreSQL: a failure there is a real failure
        pytest.skip(f"no PostgreSQL at {PG_URL}: {exc}")
    yield url
    store.drop()
    store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str | None]:
    """(data directory, ledger URL) with the key created once: every writer shares it."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    home = tmp_path / "home"
    Ledger.open(home, url=url).close()
    return home, url


def test_concurrent_processes_build_one_consistent_log(log: tuple[Path, str | None]) -> None:
    home, url = log
    writers = [_writer(home, url, f"w{k}", 210) for k in range(4)]
    acks: dict[int, str] = {}
    for proc in writers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        got = _acknowledged(out)
        assert len(got) == 210
        assert not set(got) & set(acks), "two processes were given the same index"
        acks |= got
    assert sorted(acks) == list(range(4 * 210))
    assert _check(home, url, acks) == 4 * 210
    with Ledger.open(home, url=url) as ledger:
        actors = [json.loads(row.body)["actor"] for row in ledger.store.entries()]
    assert {a: actors.count(a) for a in set(actors)} == {f"w{k}": 210 for k in range(4)}


def test_sigkill_mid_append_loses_nothing_acknowledged(log: tuple[Path, str | None]) -> None:
    home, url = log
    rng = random.Random(11)
    acks: dict[int, str] = {}
    rounds = 12 if url is None else 6
    for _ in range(rounds):
        procs = [_writer(home, url, f"k{k}", -1) for k in range(2)]  # two writers, killed mid-run
        time.sleep(rng.uniform(0.6, 1.2))
        for proc in procs:
            proc.send_signal(signal.SIGKILL)
        for proc in procs:
            out, _ = proc.communicate(timeout=30)
            acks |= _acknowledged(out)
        size = _check(home, url, acks)
        assert size >= len(acks)
    assert len(acks) > 50  # the writers did get work acknowledged before each kill


def test_store_url_picks_the_backend(tmp_path: Path) -> None:
    assert isinstance(open_store(tmp_path / "l.db"), SqliteStore)

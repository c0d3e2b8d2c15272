"""Where ledger entries and checkpoints live: SQLite (default) or PostgreSQL.

A store is dumb on purpose: rows in, rows out, one exclusive write transaction at a
time. The Merkle tree, the signatures and every check live in ``_ledger`` and
``_verify``, so an auditor's verification never trusts the store's own answers.

Tables (both back ends):
  entries(idx, leaf, body, action, time)   one row per log entry, idx = 0, 1, 2 ...
  artifacts(sha256, idx, role)             which entries name which data (lineage, export)
  checkpoints(id, size, note)              every signed checkpoint, in signing order
  meta(key, value)                         origin and public key of the log
"""

from __future__ import annotations

import fcntl
import hashlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from veil.errors import ConfigError, LedgerTampered, MissingExtra

__all__ = ["EntryRow", "PostgresStore", "SqliteStore", "Store", "open_store"]

_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
  idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, body BLOB NOT NULL,
  action TEXT NOT NULL, time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts (
  sha256 TEXT NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS artifacts_sha ON artifacts (sha256);
CREATE TABLE IF NOT EXISTS checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS {p}entries (
  idx BIGINT PRIMARY KEY, leaf BYTEA NOT NULL, body BYTEA NOT NULL,
  action TEXT NOT NULL, time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {p}artifacts (
  sha256 TEXT NOT NULL, idx BIGINT NOT NULL, role TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS {p}artifacts_sha ON {p}artifacts (sha256);
CREATE TABLE IF NOT EXISTS {p}checkpoints (
  id BIGSERIAL PRIMARY KEY, size BIGINT NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {p}meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


Row = tuple[int, bytes, bytes, str, str]  # idx, leaf hash, body, action, time


@dataclass(frozen=True, slots=True)
class EntryRow:
    idx: int
    leaf: bytes
    body: bytes
    action: str
    time: str


class Store(Protocol):
    """The one contract a ledger back end fulfils."""

    url: str

    def write(self) -> Any:
        """Context manager: one exclusive, durable write transaction (rolled back on error)."""
        ...

    def exclusive(self, name: str) -> Any:
        """Context manager: a named lock held by one process at a time among all that use this
        store (other hosts included), for read-decide-append sequences such as a budget check."""
        ...

    def leaves_from(self, start: int) -> list[bytes]: ...

    def insert(
        self, rows: Sequence[Row], artifacts: Sequence[tuple[str, int, str]], size: int, note: str
    ) -> None:
        """Entries (idx, leaf, body, action, time), their artifacts (sha256, idx, role) and
        the checkpoint that covers them, inside the current ``write()`` transaction."""
        ...

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[EntryRow]: ...

    def checkpoints(self) -> list[tuple[int, int, str]]: ...

    def max_index(self) -> int: ...

    def latest_checkpoint(self) -> str | None: ...

    def indices_for(self, sha256: str) -> list[tuple[int, str]]: ...

    def indices_since(self, time: str) -> list[int]: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None: ...


def open_store(url: str | Path) -> Store:
    """``postgresql://...`` opens PostgreSQL; anything else is a SQLite file path."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresStore(text)
    return SqliteStore(Path(text))


class SqliteStore:
    """The embedded default: one file under the data directory, WAL, fsync on commit."""

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        # A lock file beside the database: every process writing this file shares it.
        lock = Path(self.url).with_name(f"{Path(self.url).name}.{name}.lock")
        with lock.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def __init__(self, path: Path) -> None:
        self.url = str(path)
        self._lock = threading.RLock()
        try:
            if not path.exists():
                path.touch(mode=0o600)  # WAL and shm files take the database's mode
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=60
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
            self._db.executescript(_SQLITE_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise LedgerTampered(f"ledger database {path} is unreadable: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot open the ledger {path}: {exc.strerror}") from None

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # the writer lock, across processes
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def leaves_from(self, start: int) -> list[bytes]:
        with self._lock:
            rows = self._db.execute(
                "SELECT leaf FROM entries WHERE idx >= ? ORDER BY idx", (start,)
            )
            return [_blob(r[0]) for r in rows]

    def insert(
        self, rows: Sequence[Row], artifacts: Sequence[tuple[str, int, str]], size: int, note: str
    ) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT INTO entries (idx, leaf, body, action, time) VALUES (?, ?, ?, ?, ?)", rows
            )
            self._db.executemany(
                "INSERT INTO artifacts (sha256, idx, role) VALUES (?, ?, ?)", artifacts
            )
            self._db.execute("INSERT INTO checkpoints (size, note) VALUES (?, ?)", (size, note))

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[EntryRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT idx, leaf, body, action, time FROM entries WHERE idx >= ? AND idx < ? "
                "ORDER BY idx",
                (start, end if end is not None else 2**62),
            ).fetchall()
        return (EntryRow(i, _blob(leaf), _blob(body), a, t) for i, leaf, body, a, t in rows)

    def checkpoints(self) -> list[tuple[int, int, str]]:
        with self._lock:
            rows = self._db.execute("SELECT id, size, note FROM checkpoints ORDER BY id")
            return [(int(i), int(size), str(note)) for i, size, note in rows]

    def max_index(self) -> int:
        """The highest entry index, -1 when empty."""
        with self._lock:
            row = self._db.execute("SELECT MAX(idx) FROM entries").fetchone()
        return -1 if row[0] is None else int(row[0])

    def latest_checkpoint(self) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT note FROM checkpoints ORDER BY size DESC, id DESC LIMIT 1"
            ).fetchone()
        return str(row[0]) if row else None

    def indices_for(self, sha256: str) -> list[tuple[int, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT idx, role FROM artifacts WHERE sha256 = ? ORDER BY idx", (sha256,)
            )
            return [(int(i), str(role)) for i, role in rows]

    def indices_since(self, time: str) -> list[int]:
        with self._lock:
            rows = self._db.execute("SELECT idx FROM entries WHERE time >= ? ORDER BY idx", (time,))
            return [int(r[0]) for r in rows]

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _blob(value: object) -> bytes:
    """A BLOB column's bytes; SQLite lets anyone store text there (an edit with SQL
    string functions does), which verification must then report, not crash on."""
    return value.encode() if isinstance(value, str) else bytes(value)  # type: ignore[call-overload]


class PostgresStore:
    """A shared ledger in PostgreSQL (``pip install 'veil[postgres]'``). Writers serialise on
    a transaction-scoped advisory lock, so any number of processes and hosts append safely.
    ``?prefix=NAME_`` in the URL namespaces the tables (tests, several logs in one database)."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise MissingExtra("postgres", "a PostgreSQL ledger") from None
        base, _, query = url.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        prefix = params.pop("prefix", "veil_ledger_")
        if not prefix.replace("_", "").isalnum():
            raise ConfigError(f"ledger table prefix {prefix!r} must be letters, digits and _")
        self.url = base
        self._p = prefix
        self._lock_id = int.from_bytes(prefix.encode()[:8].ljust(8, b"\0"), "big") >> 1
        self._lock = threading.RLock()
        try:
            self._db = psycopg.connect(base, autocommit=True)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_id,))
                self._db.execute(_PG_SCHEMA.format(p=prefix))
        except psycopg.Error as exc:
            raise ConfigError(
                f"cannot open the PostgreSQL ledger: {type(exc).__name__}: {exc}"
            ) from None

    def _q(self, sql: str) -> str:
        return sql.replace("{p}", self._p)

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._lock, self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_id,))
            yield

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """A session advisory lock on a connection of its own (the ledger's connection keeps
        appending meanwhile), keyed by the table prefix and ``name``: all hosts share it."""
        import psycopg

        key = int.from_bytes(hashlib.sha256(f"{self._p}/{name}".encode()).digest()[:8], "big")
        key -= 1 << 63  # a signed bigint
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def leaves_from(self, start: int) -> list[bytes]:
        with self._lock:
            cur = self._db.execute(
                self._q("SELECT leaf FROM {p}entries WHERE idx >= %s ORDER BY idx"), (start,)
            )
            return [bytes(r[0]) for r in cur]

    def insert(
        self, rows: Sequence[Row], artifacts: Sequence[tuple[str, int, str]], size: int, note: str
    ) -> None:
        with self._lock, self._db.cursor() as cur:
            with cur.copy(
                self._q("COPY {p}entries (idx, leaf, body, action, time) FROM STDIN")
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            if artifacts:
                with cur.copy(self._q("COPY {p}artifacts (sha256, idx, role) FROM STDIN")) as copy:
                    for art in artifacts:
                        copy.write_row(art)
            cur.execute(
                self._q("INSERT INTO {p}checkpoints (size, note) VALUES (%s, %s)"), (size, note)
            )

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[EntryRow]:
        with self._lock:
            rows = self._db.execute(
                self._q(
                    "SELECT idx, leaf, body, action, time FROM {p}entries "
                    "WHERE idx >= %s AND idx < %s ORDER BY idx"
                ),
                (start, end if end is not None else 2**62),
            ).fetchall()
        return (EntryRow(int(i), bytes(leaf), bytes(body), a, t) for i, leaf, body, a, t in rows)

    def checkpoints(self) -> list[tuple[int, int, str]]:
        with self._lock:
            cur = self._db.execute(self._q("SELECT id, size, note FROM {p}checkpoints ORDER BY id"))
            return [(int(i), int(s), str(n)) for i, s, n in cur]

    def max_index(self) -> int:
        with self._lock:
            row = self._db.execute(self._q("SELECT MAX(idx) FROM {p}entries")).fetchone()
        return -1 if row is None or row[0] is None else int(row[0])

    def latest_checkpoint(self) -> str | None:
        with self._lock:
            row = self._db.execute(
                self._q("SELECT note FROM {p}checkpoints ORDER BY size DESC, id DESC LIMIT 1")
            ).fetchone()
        return str(row[0]) if row else None

    def indices_for(self, sha256: str) -> list[tuple[int, str]]:
        with self._lock:
            cur = self._db.execute(
                self._q("SELECT idx, role FROM {p}artifacts WHERE sha256 = %s ORDER BY idx"),
                (sha256,),
            )
            return [(int(i), str(role)) for i, role in cur]

    def indices_since(self, time: str) -> list[int]:
        with self._lock:
            cur = self._db.execute(
                self._q("SELECT idx FROM {p}entries WHERE time >= %s ORDER BY idx"), (time,)
            )
            return [int(r[0]) for r in cur]

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                self._q("SELECT value FROM {p}meta WHERE key = %s"), (key,)
            ).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                self._q("INSERT INTO {p}meta (key, value) VALUES (%s, %s) ON CONFLICT DO NOTHING"),
                (key, value),
            )

    def drop(self) -> None:
        """Remove this log's tables (tests and ``veil ledger`` maintenance only)."""
        with self._lock:
            for table in ("entries", "artifacts", "checkpoints", "meta"):
                self._db.execute(f"DROP TABLE IF EXISTS {self._p}{table}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

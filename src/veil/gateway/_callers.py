"""Callers of the gateway and their API keys (stored hashed, shown once).

A key is ``vk_`` + 32 random bytes (base64url). The store keeps SHA-256 of it: keys
are random, so a fast hash is enough and a stolen ``gateway.db`` yields no key.
Each caller carries what policy decides on: the jurisdictions it may act in (the
first is its default), the purposes and the models (``*`` = any) it may use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from veil.errors import ConfigError

__all__ = ["Caller", "CallerStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS callers (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, key_hash BLOB NOT NULL UNIQUE,
  jurisdictions TEXT NOT NULL, purposes TEXT NOT NULL, models TEXT NOT NULL,
  policy TEXT, created TEXT NOT NULL DEFAULT (datetime('now')), revoked INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS responses (
  id TEXT PRIMARY KEY, caller TEXT NOT NULL, conversation TEXT NOT NULL,
  created TEXT NOT NULL DEFAULT (datetime('now')));
"""
RECHECK_S = 5.0  # a key revoked by another process stops working here within this time


@dataclass(frozen=True, slots=True)
class Caller:
    id: str
    name: str
    jurisdictions: tuple[str, ...]
    purposes: tuple[str, ...]
    models: tuple[str, ...]
    policy: str | None = None  # a policy of its own, else the gateway's

    @property
    def jurisdiction(self) -> str:
        return self.jurisdictions[0]


class CallerStore:
    """``home/gateway.db``: callers and their hashed keys."""

    def __init__(self, home: Path) -> None:
        path = home / "gateway.db"
        if not path.exists():
            path.touch(mode=0o600)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._cache: dict[bytes, tuple[Caller, float]] = {}

    def create(
        self,
        name: str,
        *,
        jurisdictions: tuple[str, ...] = ("any",),
        purposes: tuple[str, ...] = ("*",),
        models: tuple[str, ...] = ("*",),
        policy: str | None = None,
    ) -> str:
        """Register a caller; returns its key (the only time it is shown)."""
        if not name or not jurisdictions or not purposes or not models:
            raise ConfigError("a caller needs a name and at least one jurisdiction, purpose, model")
        key = "vk_" + secrets.token_urlsafe(32)
        row = (
            secrets.token_hex(8),
            name,
            _hash(key),
            json.dumps(list(jurisdictions)),
            json.dumps(list(purposes)),
            json.dumps(list(models)),
            policy,
        )
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO callers (id, name, key_hash, jurisdictions, purposes, models, "
                    "policy) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
            except sqlite3.IntegrityError:
                raise ConfigError(f"a caller named {name!r} exists already") from None
        return key

    def authenticate(self, key: str | None) -> Caller | None:
        """The caller holding ``key``, or None (unknown, revoked or malformed)."""
        if not key or not key.startswith("vk_") or len(key) > 100:
            return None
        digest = _hash(key)
        known = self._cache.get(digest)
        now = time.monotonic()
        if known is not None and now - known[1] < RECHECK_S:
            return known[0]
        with self._lock:
            row = self._db.execute(
                "SELECT id, name, key_hash, jurisdictions, purposes, models, policy FROM callers "
                "WHERE key_hash = ? AND revoked = 0",
                (digest,),
            ).fetchone()
        caller = None
        if row and hmac.compare_digest(bytes(row[2]), digest):
            jurisdictions, purposes, models = (tuple(json.loads(v)) for v in row[3:6])
            caller = Caller(row[0], row[1], jurisdictions, purposes, models, policy=row[6])
        if caller is not None:  # misses are not cached: random keys must not grow memory
            self._cache[digest] = (caller, now)
        else:
            self._cache.pop(digest, None)  # revoked meanwhile (by `veil keys revoke`)
        return caller

    def remember_response(self, response_id: str, caller: Caller, conversation: str) -> None:
        """A stored Responses conversation: shared by every worker process via the file."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (id, caller, conversation) VALUES (?, ?, ?)",
                (response_id[:200], caller.id, conversation),
            )

    def conversation_of(self, response_id: str, caller: Caller) -> str | None:
        """The conversation a response id belongs to, for this caller only."""
        with self._lock:
            row = self._db.execute(
                "SELECT conversation FROM responses WHERE id = ? AND caller = ?",
                (response_id[:200], caller.id),
            ).fetchone()
        return None if row is None else str(row[0])

    def revoke(self, name: str) -> bool:
        with self._lock:
            done = self._db.execute("UPDATE callers SET revoked = 1 WHERE name = ?", (name,))
        self._cache.clear()
        return done.rowcount > 0

    def list(self) -> list[tuple[str, str, str, bool]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT name, jurisdictions, created, revoked FROM callers ORDER BY created"
            ).fetchall()
        return [(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def close(self) -> None:
        self._db.close()


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()

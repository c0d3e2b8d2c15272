"""The pseudonym vault: an encrypted SQLite map from surrogates back to values.

Layout (``home/vault.db``, schema version in ``meta``):

* ``entries`` — one row per (scope, label, style, value). The value is sealed
  with its own random AES-256-GCM data key (DEK); the DEK is wrapped by the
  vault's key ``veil/vault`` from the key store (``keystore.db``), itself
  wrapped by the active KEK of the vault's jurisdiction (envelope encryption:
  rotating the KEK re-wraps one key, not a row per value). Rows written before
  schema v2 stay wrapped by the key ring's derived ``vault`` key (column
  ``wrapper``) and keep opening. Both seals bind scope, label and surrogate as
  associated data, so a row's ciphertext cannot be swapped onto another
  surrogate. Lookups go through ``index_hmac``, a keyed HMAC of the
  normalised value: without the key file it cannot be brute-forced from a
  list of likely names, and no plaintext is ever stored.
* ``counters`` — the next ``n`` of ``<LABEL_n>`` per scope and label. Numbers
  are never reused, even after an erasure.

Erasure is crypto-shredding: the row (ciphertext, wrapped DEK, index) is
deleted with ``secure_delete`` on, and the WAL is checkpointed and truncated
so no old page copy lingers. The key file never enters the database.

One ``Vault`` holds one connection: share it within a thread, open one per
thread or process. Allocation runs under ``BEGIN IMMEDIATE`` (a write lock
taken before the read), so concurrent processes never hand out the same ``n``.
"""

from __future__ import annotations

import os
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from veil._sensitive import Sensitive
from veil._sqlite import Closing, immediate
from veil.detect._types import LABELS
from veil.errors import KeyMissing, RestoreError, VaultError
from veil.keys import KeyRing, KeyStore
from veil.transform._fakes import MAX_ATTEMPTS, fake_surrogate

__all__ = ["SCHEMA_VERSION", "SurrogateStyle", "Vault", "normalise"]

SCHEMA_VERSION = 2
VAULT_KEY = "veil/vault"  # the key store's data key that wraps every entry's DEK
SurrogateStyle = Literal["placeholder", "fake"]
_NONCE = 12
_NOT_RESTORABLE = "surrogate cannot be restored (unknown, erased or tampered)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (
    scope TEXT NOT NULL, label TEXT NOT NULL, next INTEGER NOT NULL,
    PRIMARY KEY (scope, label));
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    label TEXT NOT NULL,
    style TEXT NOT NULL,
    index_hmac BLOB NOT NULL,
    surrogate TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    wrapped_dek BLOB NOT NULL,
    created_at TEXT NOT NULL,
    wrapper TEXT NOT NULL DEFAULT 'derived',
    UNIQUE (scope, index_hmac),
    UNIQUE (scope, surrogate));
"""


def normalise(value: str) -> str:
    """The lookup form of a value: NFKC, casefolded, whitespace runs collapsed to one space.

    So "John  Smith", "john smith" and "JOHN\\u00a0SMITH" share one pseudonym.
    The vault keeps (and ``reveal`` returns) the first spelling it saw.
    """
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


class Vault(Closing):
    """Pseudonyms that restore: ``pseudonym`` allocates, ``reveal`` restores, ``forget`` erases."""

    def __init__(self, conn: sqlite3.Connection, keyring: KeyRing, keys: KeyStore) -> None:
        self._conn = conn
        self._batch_depth = 0
        self._keyring = keyring
        self._keys = keys
        self._key_ready = False  # veil/vault exists in the key store (created on first seal)
        self._legacy_kek = keyring.aead("vault")  # wraps rows from schema v1

    @classmethod
    def open(cls, home: Path, keyring: KeyRing) -> Vault:
        """Open (or create, mode 0600) ``home/vault.db`` for the key in ``keyring``."""
        path = Path(home) / "vault.db"
        try:
            _precreate(path)
            conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")
        except (OSError, sqlite3.Error) as exc:
            raise VaultError(
                f"cannot open vault {path} ({exc}); check --home and its permissions"
            ) from None
        vault = cls(conn, keyring, KeyStore.open(home))
        vault._migrate(path)
        return vault

    def pseudonym(
        self,
        value: str,
        label: str,
        scope: str = "default",
        *,
        style: SurrogateStyle = "placeholder",
    ) -> str:
        """The surrogate for ``value``: the existing one, or a newly allocated one."""
        _check_args(label, scope)
        norm = normalise(value)
        if not norm:
            raise VaultError("cannot pseudonymise an empty or blank value")
        index = self._index(scope, label, style, norm)
        found = self._lookup(scope, index)
        if found is not None:
            return found
        with self._immediate():
            found = self._lookup(scope, index)  # another process may have won the race
            return found if found is not None else self._insert(value, label, scope, style, index)

    def reveal(self, surrogate: str, scope: str = "default") -> Sensitive[str]:
        """The original value behind ``surrogate``; RestoreError when unknown or erased."""
        row = self._conn.execute(
            "SELECT label, nonce, ciphertext, wrapped_dek, wrapper FROM entries"
            " WHERE scope = ? AND surrogate = ?",
            (scope, surrogate),
        ).fetchone()
        if row is None:
            raise RestoreError(_NOT_RESTORABLE)
        label, nonce, ciphertext, wrapped, wrapper = row
        aad = _aad(scope, label, surrogate)
        return Sensitive(self._unseal(nonce, ciphertext, wrapped, aad, wrapper))

    def forget(self, value: str, label: str | None = None, scope: str | None = None) -> int:
        """Crypto-shred every entry for ``value`` (optionally one label/scope); return the count."""
        norm = normalise(value)
        combos = self._conn.execute(
            "SELECT DISTINCT scope, label, style FROM entries"
            " WHERE (?1 IS NULL OR scope = ?1) AND (?2 IS NULL OR label = ?2)",
            (scope, label),
        ).fetchall()
        targets = [(s, self._index(s, lab, sty, norm)) for s, lab, sty in combos]
        return self._delete("scope = ? AND index_hmac = ?", targets)

    def forget_surrogate(self, surrogate: str, scope: str = "default") -> int:
        """Crypto-shred the one entry behind ``surrogate``; return 1, or 0 if there was none."""
        return self._delete("scope = ? AND surrogate = ?", [(scope, surrogate)])

    def surrogates(self, scope: str = "default") -> list[str]:
        """The ``<LABEL_n>`` surrogates recorded in ``scope`` (placeholders, safe to handle)."""
        rows = self._conn.execute(
            "SELECT surrogate FROM entries WHERE scope = ? AND surrogate LIKE '<%>'", (scope,)
        ).fetchall()
        return [r[0] for r in rows]

    def fake_surrogates(self, scope: str = "default") -> list[str]:
        """The ``fake``-style surrogates recorded in ``scope`` (fake values, safe to handle)."""
        rows = self._conn.execute(
            "SELECT surrogate FROM entries WHERE scope = ? AND style = 'fake'"
            " AND surrogate NOT LIKE '<%>'",
            (scope,),
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self._conn.close()
        self._keys.close()

    def __repr__(self) -> str:
        return f"Vault(key_id={self._keyring.key_id})"

    # -- internals ---------------------------------------------------------------------------

    def _migrate(self, path: Path) -> None:
        with self._immediate():
            # One statement at a time: executescript would COMMIT the open transaction first.
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._conn.execute(statement)
            meta = dict(self._conn.execute("SELECT name, value FROM meta").fetchall())
            if not meta:
                self._init_meta()
                return
            _check_meta(path, meta, self._keyring.key_id)
            if int(meta["schema_version"]) < SCHEMA_VERSION:
                self._upgrade()

    def _upgrade(self) -> None:
        """v1 -> v2: every DEK is re-wrapped from the key ring's derived key to the key
        store's vault key (re-wrap, not re-encrypt), so destroying that key shreds them too."""
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(entries)")}
        if "wrapper" not in columns:
            self._conn.execute(
                "ALTER TABLE entries ADD COLUMN wrapper TEXT NOT NULL DEFAULT 'derived'"
            )
        rows = self._conn.execute(
            "SELECT id, scope, label, surrogate, wrapped_dek FROM entries WHERE wrapper = 'derived'"
        ).fetchall()
        for row_id, scope, label, surrogate, wrapped in rows:
            aad, nonce = _aad(scope, label, surrogate), wrapped[:_NONCE]
            try:
                dek = self._legacy_kek.decrypt(nonce, wrapped[_NONCE:], aad)
            except InvalidTag:
                continue  # a tampered row stays as it is and keeps failing to restore
            moved = nonce + self._wrapper(VAULT_KEY, create=True).encrypt(nonce, dek, aad)
            self._conn.execute(
                "UPDATE entries SET wrapped_dek = ?, wrapper = ? WHERE id = ?",
                (moved, VAULT_KEY, row_id),
            )
        self._conn.execute(
            "UPDATE meta SET value = ? WHERE name = 'schema_version'", (str(SCHEMA_VERSION),)
        )

    def _init_meta(self) -> None:
        rows = [
            ("schema_version", str(SCHEMA_VERSION)),
            ("key_id", self._keyring.key_id),
            ("created_at", _now()),
        ]
        self._conn.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", rows)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One write transaction (one fsync) for every pseudonym allocated inside: a
        document with ten new values commits once, not ten times. Nests."""
        with self._immediate():
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1

    @contextmanager
    def _immediate(self) -> Iterator[None]:
        if self._batch_depth:  # already inside a batch's transaction
            yield
            return
        with immediate(self._conn):
            yield

    def _index(self, scope: str, label: str, style: str, norm: str) -> bytes:
        return self._keyring.hmac("pseudonym-index", _frame(b"index", scope, label, style, norm))

    def _lookup(self, scope: str, index: bytes) -> str | None:
        row = self._conn.execute(
            "SELECT surrogate FROM entries WHERE scope = ? AND index_hmac = ?", (scope, index)
        ).fetchone()
        return None if row is None else str(row[0])

    def _insert(self, value: str, label: str, scope: str, style: str, index: bytes) -> str:
        n = self._next_number(scope, label)
        surrogate = f"<{label}_{n}>"
        if style == "fake":
            surrogate = self._pick_fake(value, label, scope, index, n) or surrogate
        nonce, ciphertext, wrapped = self._seal(value, _aad(scope, label, surrogate))
        self._conn.execute(
            "INSERT INTO entries (scope, label, style, index_hmac, surrogate, nonce, ciphertext,"
            " wrapped_dek, created_at, wrapper) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (scope, label, style, index, surrogate, nonce, ciphertext, wrapped, _now(), VAULT_KEY),
        )
        return surrogate

    def _next_number(self, scope: str, label: str) -> int:
        row = self._conn.execute(
            "SELECT next FROM counters WHERE scope = ? AND label = ?", (scope, label)
        ).fetchone()
        n = 1 if row is None else int(row[0])
        self._conn.execute(
            "INSERT INTO counters (scope, label, next) VALUES (?, ?, ?)"
            " ON CONFLICT (scope, label) DO UPDATE SET next = excluded.next",
            (scope, label, n + 1),
        )
        return n

    def _pick_fake(self, value: str, label: str, scope: str, index: bytes, n: int) -> str | None:
        seed = self._keyring.hmac("pseudonym-index", _frame(b"fake", index))
        for attempt in range(MAX_ATTEMPTS):
            candidate = fake_surrogate(label, value, seed, n, attempt)
            if candidate is None:
                return None
            # A fake must never be the value itself, nor an existing surrogate (it must restore).
            if normalise(candidate) != normalise(value) and not self._taken(scope, candidate):
                return candidate
        return None

    def _taken(self, scope: str, surrogate: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM entries WHERE scope = ? AND surrogate = ?", (scope, surrogate)
        ).fetchone()
        return row is not None

    def _seal(self, value: str, aad: bytes) -> tuple[bytes, bytes, bytes]:
        dek = AESGCM.generate_key(bit_length=256)
        nonce, kek_nonce = os.urandom(_NONCE), os.urandom(_NONCE)
        ciphertext = AESGCM(dek).encrypt(nonce, value.encode(), aad)
        wrapper = self._wrapper(VAULT_KEY, create=True)
        return nonce, ciphertext, kek_nonce + wrapper.encrypt(kek_nonce, dek, aad)

    def _unseal(
        self, nonce: bytes, ciphertext: bytes, wrapped: bytes, aad: bytes, wrapper: str
    ) -> str:
        try:
            dek = self._wrapper(wrapper).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], aad)
            return AESGCM(dek).decrypt(nonce, ciphertext, aad).decode()
        except (InvalidTag, ValueError):
            raise RestoreError(_NOT_RESTORABLE) from None

    def _wrapper(self, name: str, *, create: bool = False) -> AESGCM:
        """The AEAD wrapping entry DEKs. Only sealing creates the vault key: a read after the
        key was destroyed must fail, not quietly make a new, empty one."""
        if name == "derived":
            return self._legacy_kek
        try:
            if create and not self._key_ready:
                self._keys.ensure_data_key(name)
                self._key_ready = True
            return self._keys.aead(name)
        except KeyMissing:
            # A destroyed vault key or KEK: every value under it is shredded, not "missing".
            raise RestoreError(_NOT_RESTORABLE) from None

    def _delete(self, where: str, targets: Sequence[tuple[str, object]]) -> int:
        with self._immediate():
            count = sum(
                self._conn.execute(f"DELETE FROM entries WHERE {where}", t).rowcount  # noqa: S608 - where is one of two literals
                for t in targets
            )
        # Move the zeroed pages into the main file and empty the WAL, which would
        # otherwise still hold the pre-delete page images until the next checkpoint.
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count


def _check_args(label: str, scope: str) -> None:
    if label not in LABELS:
        raise VaultError(f"unknown label {label!r}; use one of the taxonomy labels")
    if not scope:
        raise VaultError("scope must be a non-empty name")


def _check_meta(path: Path, meta: dict[str, str], key_id: str) -> None:
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise VaultError(
            f"vault {path} has schema v{version}, newer than this Veil's v{SCHEMA_VERSION}; "
            "upgrade veil"
        )
    if meta.get("key_id") != key_id:
        raise VaultError(
            f"vault {path} was sealed with key {meta.get('key_id')}, but the key file is "
            f"{key_id}; restore the matching keys/master.key"
        )


def _frame(*parts: str | bytes) -> bytes:
    """Length-prefix each part, so ("ab", "c") and ("a", "bc") never encode alike."""
    out = bytearray()
    for part in parts:
        raw = part.encode() if isinstance(part, str) else part
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def _aad(scope: str, label: str, surrogate: str) -> bytes:
    return _frame(b"veil/vault/v1", scope, label, surrogate)


def _precreate(path: Path) -> None:
    # SQLite would create the file with the umask's mode; the -wal/-shm files copy this one's.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

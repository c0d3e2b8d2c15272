"""Envelope encryption: named data keys wrapped by jurisdiction-bound KEKs.

``home/keystore.db`` (0600) records key-encryption keys (id, jurisdiction,
provider, a provider ref, state) and named data keys (AES-256, wrapped by one
KEK; never stored in clear). Rules the store enforces, not the caller:

* a data key tagged with a jurisdiction is wrapped only by an active KEK of
  that same jurisdiction, and the jurisdiction is bound into the wrap's
  associated data, so a row moved to another jurisdiction's KEK fails to open;
* rotation makes a new KEK active and re-wraps every data key under it in one
  transaction (re-wrap, never re-encrypt: sealed data is untouched and readers
  keep working throughout); the old KEK stays for decryption until destroyed;
* destroying a data key deletes its wrapped bytes (``secure_delete``, WAL
  truncated): whatever it sealed is unrecoverable (crypto-shredding);
  destroying a KEK does the same for every key under it.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict

from veil._sensitive import SecretKey
from veil._sqlite import Closing, immediate
from veil.errors import ConfigError, KeyMissing
from veil.keys._providers import (
    AwsKmsProvider,
    EnvProvider,
    KekProvider,
    LocalProvider,
    UnwrapFailed,
)

__all__ = ["DataKeyInfo", "KekInfo", "KeyStore", "default_jurisdiction"]

KekState = Literal["active", "retired", "destroyed"]
_JURISDICTION = re.compile(r"^[A-Z][A-Z0-9-]{0,31}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$")
_SEAL_V1 = b"\x01"
RECHECK_S = 1.0  # how stale an in-memory data key may be before its row is read again
_CHECKPOINT_TRIES = 100  # x 20 ms: how long a destroy waits for readers to let go
_NONCE = 12

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keks (
    id TEXT PRIMARY KEY, jurisdiction TEXT NOT NULL, provider TEXT NOT NULL, ref TEXT NOT NULL,
    state TEXT NOT NULL, dev INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS data_keys (
    name TEXT PRIMARY KEY, jurisdiction TEXT NOT NULL, kek_id TEXT NOT NULL REFERENCES keks(id),
    wrapped BLOB NOT NULL, dev INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS destroyed (name TEXT PRIMARY KEY, destroyed_at TEXT NOT NULL);
"""


def default_jurisdiction() -> str:
    """``VEIL_JURISDICTION`` (e.g. ``EU``), else ``LOCAL``: where untagged data belongs."""
    return check_jurisdiction(os.environ.get("VEIL_JURISDICTION") or "LOCAL")


def check_jurisdiction(code: str) -> str:
    """An upper-case code such as ``EU``, ``US``, ``DE`` or ``EU-CH``; refuses anything else."""
    norm = code.strip().upper()
    if not _JURISDICTION.match(norm):
        raise ConfigError(f"jurisdiction {code!r} must be a code like EU, US or DE")
    return norm


class _Info(BaseModel):
    model_config = ConfigDict(frozen=True)


class KekInfo(_Info):
    """A key-encryption key's record (its bytes live in the provider, never here)."""

    id: str
    jurisdiction: str
    provider: str
    ref: str
    state: KekState
    dev: bool
    created_at: str


class DataKeyInfo(_Info):
    """A named data key's record; ``kek_id`` is the KEK wrapping it now."""

    name: str
    jurisdiction: str
    kek_id: str
    dev: bool
    created_at: str


class KeyStore(Closing):
    """Data keys under jurisdiction KEKs. One per thread; ``repr`` shows no key material."""

    def __init__(self, conn: sqlite3.Connection, providers: Mapping[str, KekProvider]) -> None:
        self._conn = conn
        self._providers = dict(providers)
        self._cache: dict[str, tuple[bytes, AESGCM, float]] = {}

    @classmethod
    def open(cls, home: Path, providers: Mapping[str, KekProvider] | None = None) -> KeyStore:
        """Open (or create) ``home/keystore.db`` with the local, env and aws-kms providers."""
        path = Path(home) / "keystore.db"
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            # check_same_thread off: a server opens the store at start-up and uses it from its
            # event-loop thread. Callers still use one store from one thread at a time.
            conn = sqlite3.connect(
                path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise KeyMissing(f"cannot open key store {path} ({exc}); check --home") from None
        return cls(conn, providers or default_providers(home))

    # -- KEKs ----------------------------------------------------------------------------------

    def create_kek(
        self,
        jurisdiction: str,
        *,
        provider: str = "local",
        ref: str | None = None,
        dev: bool = False,
    ) -> KekInfo:
        """A new active KEK for ``jurisdiction``; the previous one retires and its keys re-wrap.

        Production and dev KEKs are separate lines: a dev KEK never retires (or wraps) a
        production key, and the other way round."""
        jurisdiction = check_jurisdiction(jurisdiction)
        kek_id = f"kek-{jurisdiction.lower()}-{os.urandom(4).hex()}"
        ref = self._provider(provider).create(kek_id, ref)
        with self._write():
            old = self._active(jurisdiction, dev=dev)
            self._conn.execute(
                "INSERT INTO keks VALUES (?, ?, ?, ?, 'active', ?, ?)",
                (kek_id, jurisdiction, provider, ref, int(dev), _now()),
            )
            if old is not None:
                self._conn.execute("UPDATE keks SET state = 'retired' WHERE id = ?", (old.id,))
                self._rewrap_all(old.id, self.kek(kek_id))
        return self.kek(kek_id)

    def rotate(self, jurisdiction: str, *, dev: bool = False) -> KekInfo:
        """Rotate ``jurisdiction``'s KEK in place (same provider): re-wrap, not re-encrypt."""
        current = self._active(check_jurisdiction(jurisdiction), dev=dev)
        if current is None:
            raise KeyMissing(
                f"no active KEK for {jurisdiction}: veil keys kek create {jurisdiction}"
            )
        if current.provider != "local":
            raise ConfigError(
                f"KEK {current.id} lives in {current.provider}: create the next one with "
                f"veil keys kek create {jurisdiction} --provider {current.provider} --ref NEW"
            )
        return self.create_kek(current.jurisdiction, provider="local", dev=current.dev)

    def keks(self) -> list[KekInfo]:
        rows = self._conn.execute("SELECT * FROM keks ORDER BY jurisdiction, created_at").fetchall()
        return [_kek(r) for r in rows]

    def kek(self, kek_id: str) -> KekInfo:
        row = self._conn.execute("SELECT * FROM keks WHERE id = ?", (kek_id,)).fetchone()
        if row is None:
            raise KeyMissing(f"no KEK {kek_id}; veil keys kek list shows the known ones")
        return _kek(row)

    def destroy_kek(self, kek_id: str) -> list[str]:
        """Destroy a KEK: every data key it wraps is crypto-shredded. Returns their names."""
        info = self.kek(kek_id)
        # The provider first: if destroying there fails, nothing here has changed yet; if it
        # succeeds, everything under the KEK is unrecoverable whatever happens next.
        self._provider(info.provider).destroy(info.ref)
        with self._write():
            names = [
                r[0]
                for r in self._conn.execute(
                    "SELECT name FROM data_keys WHERE kek_id = ?", (kek_id,)
                )
            ]
            for name in names:
                self._shred(name)
            self._conn.execute("UPDATE keks SET state = 'destroyed' WHERE id = ?", (kek_id,))
        self._truncate_wal()
        return names

    # -- data keys -----------------------------------------------------------------------------

    def create_data_key(
        self, name: str, *, jurisdiction: str | None = None, dev: bool = False
    ) -> DataKeyInfo:
        """A fresh AES-256 key named ``name``, wrapped by ``jurisdiction``'s active KEK."""
        _check_name(name)
        jurisdiction = check_jurisdiction(jurisdiction or default_jurisdiction())
        if jurisdiction == "LOCAL" and self._active(jurisdiction, dev=False) is None:
            self.create_kek(jurisdiction)  # the embedded default: a local KEK on first use
        dek = AESGCM.generate_key(bit_length=256)
        with self._write():  # the KEK is read inside the lock: a rotation cannot slip between
            kek = self._kek_for(jurisdiction, dev=dev)
            if self._find(name) is not None:
                raise ConfigError(
                    f"data key {name!r} exists; pick another name or destroy it first"
                )
            info = DataKeyInfo(
                name=name, jurisdiction=jurisdiction, kek_id=kek.id, dev=dev, created_at=_now()
            )
            wrapped = self._wrap(kek, info, dek)
            self._conn.execute(
                "INSERT INTO data_keys VALUES (?, ?, ?, ?, ?, ?)",
                (name, jurisdiction, kek.id, wrapped, int(dev), info.created_at),
            )
            self._conn.execute("DELETE FROM destroyed WHERE name = ?", (name,))
        return self.data_key(name)

    def ensure_data_key(self, name: str, *, jurisdiction: str | None = None) -> DataKeyInfo:
        """The data key ``name``, created on first use (the vault's own key, for one)."""
        found = self._find(name)
        if found is not None:
            return found
        try:
            return self.create_data_key(name, jurisdiction=jurisdiction)
        except ConfigError:
            found = self._find(name)  # another process created it first
            if found is None:
                raise
            return found

    def data_key(self, name: str) -> DataKeyInfo:
        found = self._find(name)
        if found is None:
            raise KeyMissing(self._missing(name))
        return found

    def data_keys(self) -> list[DataKeyInfo]:
        rows = self._conn.execute(
            "SELECT name, jurisdiction, kek_id, dev, created_at FROM data_keys ORDER BY name"
        ).fetchall()
        return [_dk(r) for r in rows]

    def destroy_data_key(self, name: str) -> None:
        """Crypto-shred ``name``: its wrapped bytes are erased; what it sealed is gone for good."""
        self.data_key(name)
        with self._write():
            self._shred(name)
        self._truncate_wal()

    def aead(self, name: str) -> AESGCM:
        """An AES-256-GCM object under data key ``name``.

        Unwrapped once, then served from memory; the store re-reads the key's row at most
        every ``RECHECK_S`` seconds, so a key destroyed (or re-wrapped) by another process
        stops working here within that time without a database read per call."""
        now = time.monotonic()
        cached = self._cache.get(name)
        if cached is not None and now - cached[2] < RECHECK_S:
            return cached[1]
        found = self._row(name)
        if found is None:
            self._cache.pop(name, None)
            raise KeyMissing(self._missing(name))
        info, wrapped = found
        # Keyed on the wrapped bytes, not just the KEK: a key destroyed and re-created
        # under the same KEK by another process is a different key.
        if cached is None or cached[0] != wrapped:
            aead = AESGCM(self._unwrap(self.kek(info.kek_id), info, wrapped))
        else:
            aead = cached[1]
        self._cache[name] = (wrapped, aead, now)
        return aead

    def seal(self, name: str, plaintext: bytes, aad: bytes = b"") -> bytes:
        """Encrypt under data key ``name``: ``0x01 || nonce || ciphertext``; the name is bound."""
        nonce = os.urandom(_NONCE)
        return _SEAL_V1 + nonce + self.aead(name).encrypt(nonce, plaintext, _seal_aad(name, aad))

    def open_sealed(self, name: str, blob: bytes, aad: bytes = b"") -> bytes:
        """Decrypt what :meth:`seal` made; KeyMissing when the key is destroyed or tampered."""
        if blob[:1] != _SEAL_V1:
            raise KeyMissing("not a sealed Veil value (unknown format)")
        try:
            return self.aead(name).decrypt(blob[1:13], blob[13:], _seal_aad(name, aad))
        except (InvalidTag, ValueError):
            raise KeyMissing(
                "sealed value does not open (wrong key, tampered or truncated)"
            ) from None

    def release(self, name: str) -> SecretKey:
        """The raw data key, for the key broker to encrypt to an attested workload. Not for
        general use: everything else calls :meth:`aead`, :meth:`seal` and :meth:`open_sealed`."""
        found = self._row(name)
        if found is None:
            raise KeyMissing(self._missing(name))
        info, wrapped = found
        return SecretKey(self._unwrap(self.kek(info.kek_id), info, wrapped))

    def close(self) -> None:
        self._cache.clear()
        self._conn.close()

    def __repr__(self) -> str:
        return f"KeyStore(keks={len(self.keks())}, [secure])"

    # -- internals -----------------------------------------------------------------------------

    def _kek_for(self, jurisdiction: str, *, dev: bool) -> KekInfo:
        """A dev key takes the dev KEK, else the production one; a production key only the
        production KEK (so no production data ever sits under a key made for testing)."""
        kek = (self._active(jurisdiction, dev=True) if dev else None) or self._active(
            jurisdiction, dev=False
        )
        if kek is None:
            flag = " --dev" if dev else ""
            raise KeyMissing(
                f"no active {'dev ' if dev else ''}KEK for {jurisdiction}: "
                f"run veil keys kek create {jurisdiction}{flag}"
            )
        return kek

    def _active(self, jurisdiction: str, *, dev: bool) -> KekInfo | None:
        row = self._conn.execute(
            "SELECT * FROM keks WHERE jurisdiction = ? AND state = 'active' AND dev = ?",
            (jurisdiction, int(dev)),
        ).fetchone()
        return None if row is None else _kek(row)

    def _row(self, name: str) -> tuple[DataKeyInfo, bytes] | None:
        row = self._conn.execute(
            "SELECT name, jurisdiction, kek_id, dev, created_at, wrapped FROM data_keys"
            " WHERE name = ?",
            (name,),
        ).fetchone()
        return None if row is None else (_dk(row[:5]), bytes(row[5]))

    def _find(self, name: str) -> DataKeyInfo | None:
        row = self._conn.execute(
            "SELECT name, jurisdiction, kek_id, dev, created_at FROM data_keys WHERE name = ?",
            (name,),
        ).fetchone()
        return None if row is None else _dk(row)

    def _missing(self, name: str) -> str:
        gone = self._conn.execute("SELECT 1 FROM destroyed WHERE name = ?", (name,)).fetchone()
        if gone:
            return f"data key {name!r} was destroyed: data sealed under it cannot be recovered"
        return f"no data key {name!r}; veil keys kek list --data-keys shows the known ones"

    def _wrap(self, kek: KekInfo, key: DataKeyInfo, dek: bytes) -> bytes:
        if kek.state != "active":
            raise KeyMissing(f"KEK {kek.id} is {kek.state}; wrap under the active one")
        _check_line(kek, key)
        return self._provider(kek.provider).wrap(kek.ref, dek, _wrap_aad(kek, key))

    def _unwrap(self, kek: KekInfo, key: DataKeyInfo, wrapped: bytes) -> bytes:
        if kek.state == "destroyed":
            raise KeyMissing(f"KEK {kek.id} was destroyed: keys under it cannot be recovered")
        _check_line(kek, key)
        try:
            return self._provider(kek.provider).unwrap(kek.ref, wrapped, _wrap_aad(kek, key))
        except UnwrapFailed:
            raise KeyMissing(f"data key {key.name!r} does not unwrap under KEK {kek.id}") from None

    def _rewrap_all(self, old_id: str, new: KekInfo) -> None:
        old = self.kek(old_id)
        rows = self._conn.execute(
            "SELECT name, jurisdiction, kek_id, dev, created_at, wrapped FROM data_keys"
            " WHERE kek_id = ?",
            (old_id,),
        ).fetchall()
        for row in rows:
            key = _dk(row[:5])
            moved = key.model_copy(update={"kek_id": new.id})
            blob = self._wrap(new, moved, self._unwrap(old, key, bytes(row[5])))
            self._conn.execute(
                "UPDATE data_keys SET kek_id = ?, wrapped = ? WHERE name = ?",
                (new.id, blob, key.name),
            )
        self._cache.clear()

    def _shred(self, name: str) -> None:
        self._conn.execute("DELETE FROM data_keys WHERE name = ?", (name,))
        self._conn.execute("INSERT OR REPLACE INTO destroyed VALUES (?, ?)", (name, _now()))
        self._cache.pop(name, None)

    def _truncate_wal(self) -> None:
        """Without this the WAL keeps the pre-delete page images until the next checkpoint.
        A reader in another process can hold the checkpoint back: retry, then say so."""
        for _ in range(_CHECKPOINT_TRIES):
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                return
            time.sleep(0.02)
        raise KeyMissing(
            "the key is destroyed, but another process is reading the key store, so old "
            "pages of it remain on disk: stop other Veil processes and run the command again"
        )

    def _provider(self, name: str) -> KekProvider:
        try:
            return self._providers[name]
        except KeyError:
            known = ", ".join(sorted(self._providers))
            raise ConfigError(f"unknown key provider {name!r}; use one of: {known}") from None

    def _write(self) -> AbstractContextManager[None]:
        return immediate(self._conn)


def default_providers(home: Path) -> dict[str, KekProvider]:
    return {"local": LocalProvider(home), "env": EnvProvider(), "aws-kms": AwsKmsProvider()}


def _wrap_aad(kek: KekInfo, key: DataKeyInfo) -> bytes:
    """Everything a release decision trusts about a key is bound to its wrapped bytes: an
    edited row (another jurisdiction, a dev flag) no longer unwraps."""
    parts = ["veil/dek/v2", kek.id, kek.jurisdiction, key.name, key.jurisdiction, str(key.dev)]
    return "\x00".join(parts).encode()


def _check_line(kek: KekInfo, key: DataKeyInfo) -> None:
    """A key sits only under a KEK of its own jurisdiction, and a production key only under a
    production KEK: checked on every wrap and unwrap, not just at creation."""
    if kek.jurisdiction != key.jurisdiction or (kek.dev and not key.dev):
        raise KeyMissing(f"data key {key.name!r} is not allowed under KEK {kek.id}")


def _seal_aad(name: str, aad: bytes) -> bytes:
    return b"veil/seal/v1\x00" + len(name).to_bytes(2, "big") + name.encode() + aad


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ConfigError(f"data key name {name!r}: use letters, digits and . _ : / @ -")


def _kek(row: tuple[object, ...]) -> KekInfo:
    kid, jur, prov, ref, state, dev, created = row
    return KekInfo(
        id=str(kid),
        jurisdiction=str(jur),
        provider=str(prov),
        ref=str(ref),
        state=cast(KekState, state),
        dev=bool(dev),
        created_at=str(created),
    )


def _dk(row: tuple[object, ...]) -> DataKeyInfo:
    name, jur, kek_id, dev, created = row
    return DataKeyInfo(
        name=str(name),
        jurisdiction=str(jur),
        kek_id=str(kek_id),
        dev=bool(dev),
        created_at=str(created),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

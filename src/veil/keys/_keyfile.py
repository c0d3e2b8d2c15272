"""The local key file provider: one master key on disk, purpose keys derived in memory.

``home/keys/master.key`` holds 32 random bytes, mode 0600. Every key Veil uses
is derived from it with HKDF-SHA256 (RFC 5869, ``info=b"veil/<purpose>/v1"``),
so one purpose's key never doubles as another's and a new purpose needs no
new file. A :class:`KeyRing` is a handle in the tink sense: callers get MACs,
AEAD objects and FPE ciphers, never bytes; the one way out is ``veil.hazmat``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
from pathlib import Path
from typing import Literal, NoReturn, Protocol, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from veil._sensitive import SecretKey
from veil.errors import KeyMissing

__all__ = ["KEY_SIZE", "PURPOSES", "FpeCipher", "KeyRing", "Purpose"]

KEY_SIZE = 32
Purpose = Literal[
    "hash", "pseudonym-index", "fpe", "vault", "ledger-ref", "ledger-signing", "ledger-witness"
]
# Which primitive each purpose key may feed: a key is never used for two kinds of primitive.
PURPOSES: dict[str, str] = {
    "hash": "hmac",
    "pseudonym-index": "hmac",
    "fpe": "fpe",
    "vault": "aead",
    "ledger-ref": "hmac",  # keyed hashes of names and data subjects in ledger entries
    "ledger-signing": "ed25519",  # the ledger's checkpoint signing key
    "ledger-witness": "ed25519",  # this directory's key as a witness of other logs
}
_FPE_TWEAK_LEN = 7  # FF3-1 takes a 56-bit tweak (NIST SP 800-38G Rev. 1)


class FpeCipher(Protocol):
    """What ``KeyRing.fpe`` returns: an FF3-1 cipher over a fixed alphabet (``ff3.FF3Cipher``)."""

    minLen: int  # noqa: N815 - attribute names come from the ff3 package
    maxLen: int  # noqa: N815 - as above

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...


class KeyRing:
    """A handle on the master key. ``repr`` shows ``[secure]``; pickling is refused."""

    __slots__ = ("_ciphers", "_derived", "_key_id", "_master")

    def __init__(self, master: SecretKey) -> None:
        if len(master) != KEY_SIZE:
            raise KeyMissing(f"a master key is {KEY_SIZE} bytes; this one is {len(master)}")
        self._master = master
        self._derived: dict[str, bytes] = {}
        self._ciphers: dict[bytes, FpeCipher] = {}
        # A fingerprint of a derived value: HKDF is one-way, so it can be printed and recorded.
        self._key_id = _hkdf(master.reveal(), b"veil/key-id/v1", 8).hex()

    @classmethod
    def open(cls, home: Path) -> KeyRing:
        """Load ``home/keys/master.key``, creating it (0600) on first use."""
        return cls(_load_or_create(Path(home) / "keys" / "master.key"))

    @property
    def key_id(self) -> str:
        """A short public fingerprint of this key (16 hex chars), safe to log and record."""
        return self._key_id

    def hmac(self, purpose: Purpose, data: bytes) -> bytes:
        """HMAC-SHA256 of ``data`` under the ``purpose`` key (``hash`` or ``pseudonym-index``)."""
        return hmac.new(self._key(purpose, "hmac"), data, hashlib.sha256).digest()

    def aead(self, purpose: Purpose) -> AESGCM:
        """An AES-256-GCM object keyed for ``purpose`` (``vault``)."""
        return AESGCM(self._key(purpose, "aead"))

    def signing_key(self, purpose: Purpose) -> Ed25519PrivateKey:
        """An Ed25519 key derived for ``purpose`` (``ledger-signing``); its seed never leaves."""
        return Ed25519PrivateKey.from_private_bytes(self._key(purpose, "ed25519"))

    def fpe(self, context: bytes = b"") -> FpeCipher:
        """An FF3-1 cipher over decimal digits; ``context`` selects the tweak (e.g. a label)."""
        if context not in self._ciphers:  # the AES key schedule is worth reusing per value
            self._ciphers[context] = self._new_fpe(context)
        return self._ciphers[context]

    def _new_fpe(self, context: bytes) -> FpeCipher:
        from ff3 import FF3Cipher

        material = self._key("fpe", "fpe")
        tweak = hmac.new(material[KEY_SIZE:], context, hashlib.sha256).digest()[:_FPE_TWEAK_LEN]
        return cast(FpeCipher, FF3Cipher(material[:KEY_SIZE].hex(), tweak.hex(), radix=10))

    def _key(self, purpose: str, kind: str) -> bytes:
        if PURPOSES.get(purpose) != kind:
            raise ValueError(f"key purpose {purpose!r} cannot be used for {kind}")
        if purpose not in self._derived:
            # fpe needs an AES key and a tweak key, so it takes 64 bytes.
            size = 2 * KEY_SIZE if kind == "fpe" else KEY_SIZE
            info = f"veil/{purpose}/v1".encode()
            self._derived[purpose] = _hkdf(self._master.reveal(), info, size)
        return self._derived[purpose]

    def __repr__(self) -> str:
        return f"KeyRing(key_id={self._key_id}, [secure])"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("KeyRing refuses to be pickled")

    def __getstate__(self) -> NoReturn:
        raise TypeError("KeyRing refuses to be pickled")


def export_purpose_key(keyring: KeyRing, purpose: str) -> SecretKey:
    """The raw bytes of a purpose key (``master`` for the file's own bytes). Only hazmat calls."""
    if purpose == "master":
        return keyring._master
    return SecretKey(keyring._key(purpose, PURPOSES.get(purpose, "unknown")))


def _hkdf(master: bytes, info: bytes, size: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=size, salt=None, info=info).derive(master)


def _load_or_create(path: Path) -> SecretKey:
    try:
        return _load(path)
    except FileNotFoundError:
        _create(path)
        return _load(path)


def _load(path: Path) -> SecretKey:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeyMissing(_unreadable(path, exc)) from None
    try:
        # Check the opened file, not the path: nothing can swap it between check and read.
        _check_file(path, os.fstat(fd))
        raw = os.read(fd, KEY_SIZE + 1)
    finally:
        os.close(fd)
    if len(raw) != KEY_SIZE:
        raise KeyMissing(
            f"key file {path} is {len(raw)} bytes, expected {KEY_SIZE}: restore it from your "
            "backup (a new key cannot read existing vault entries)"
        )
    return SecretKey(raw)


def _check_file(path: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise KeyMissing(f"key file {path} is not a regular file; restore it from your backup")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise KeyMissing(
            f"key file {path} is accessible to other users (mode {mode:o}); run: chmod 600 {path} "
            "and consider the key exposed"
        )


def _unreadable(path: Path, exc: OSError) -> str:
    return (
        f"cannot read key file {path} ({exc.strerror}); check its owner and run: chmod 600 {path}"
    )


def _create(path: Path) -> None:
    """Write a fresh key to a temp file, then hard-link it into place.

    ``os.link`` fails when the target exists, so two processes creating the key
    at once end up sharing whichever landed first instead of one overwriting
    the other (which would orphan vault entries sealed under the lost key).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(KEY_SIZE))
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        raise KeyMissing(
            f"cannot create key file {path} ({exc.strerror}); pass a writable --home"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

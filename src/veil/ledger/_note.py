"""C2SP signed notes, checkpoints and Ed25519 witness cosignatures.

Formats, byte for byte:

* signed note (c2sp.org/signed-note, golang.org/x/mod/sumdb/note): text ending
  in a newline, a blank line, then one line per signature,
  ``"— <key name> base64(key hash[4] || signature)\\n"``;
* checkpoint (c2sp.org/tlog-checkpoint): the note text
  ``origin\\nsize\\nbase64(root)\\n`` plus optional extension lines;
* cosignature/v1 (c2sp.org/tlog-cosignature): a witness signs
  ``"cosignature/v1\\ntime <unix seconds>\\n" + checkpoint`` and its note
  signature is ``timestamp[8, big-endian] || Ed25519 signature[64]``.

The key hash is ``SHA-256(name || "\\n" || type || public key)[:4]`` with type
0x01 for note signatures and 0x04 for cosignatures, so one key can serve both
without one signature passing for the other.

Opening follows the spec's rules, failing closed: a malformed note, a known key
(same name *and* key hash) whose signature does not verify, or no known key at
all each raise :class:`~veil.errors.LedgerTampered`; signatures by unknown keys
are ignored, which is what lets logs rotate keys and witnesses add cosignatures.

Signers hold an Ed25519 key *handle*: their repr shows the name and key hash,
never key bytes, and they refuse to be pickled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, NoReturn, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from veil.errors import LedgerTampered
from veil.ledger._merkle import HASH_SIZE

__all__ = [
    "MAX_SIGNATURES",
    "Checkpoint",
    "CosignatureSigner",
    "CosignatureVerifier",
    "NoteSigner",
    "NoteVerifier",
    "Signer",
    "Verifier",
    "open_note",
    "sign_note",
]

MAX_SIGNATURES = 100  # as golang.org/x/mod; the spec asks for at least 16
_SIG_PREFIX = "\u2014 "  # em dash, space
_ED25519 = 0x01
_COSIGNATURE_V1 = 0x04
_ED25519_SIG = 64
_TIMESTAMP = 8
_MAX_TIMESTAMP = 2**63 - 1  # tlog-cosignature: "MUST NOT exceed 2^63 - 1"
_MAX_SIZE = 2**64 - 1  # a checkpoint size is a uint64 in every implementation
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII controls other than newline
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_KEY_HASH_HEX = re.compile(r"[0-9a-fA-F]{8}")  # Go parses it with ParseUint(_, 16, 32)


class Signer(Protocol):
    """Signs note text; :func:`sign_note` collects the lines of several."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> bytes: ...

    def sign(self, text: str) -> str:
        """The signature line for ``text``, ``"— <name> <base64>\\n"``."""
        ...


class Verifier(Protocol):
    """Checks one key's signatures; :func:`open_note` picks it by name and key hash."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key hash) signs the note ``text``."""
        ...


# --- encodings -----------------------------------------------------------------


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """Standard, padded, canonical base64 (re-encodes to the same text), else None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):  # ValueError: non-ASCII text
        return None
    return raw if _b64encode(raw) == text else None


def _utf8(text: str) -> bytes | None:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return None


def _valid_name(name: str) -> bool:
    """Non-empty, no Unicode space, no '+', nothing a note cannot carry."""
    return (
        bool(name)
        and "+" not in name
        and not any(c.isspace() for c in name)
        and not _CONTROL.search(name)
        and _utf8(name) is not None
    )


def _note_text(text: str) -> bytes:
    """``text`` as UTF-8 if a note can carry it, else ValueError."""
    raw = _utf8(text)
    if raw is None or not text.endswith("\n") or _CONTROL.search(text):
        raise ValueError("note text is UTF-8 ending in a newline, without control characters")
    return raw


def _key_hash(name: str, key_type: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public).digest()[:4]


def _signature_line(name: str, raw: bytes) -> str:
    return f"{_SIG_PREFIX}{name} {_b64encode(raw)}\n"


# --- checkpoints -----------------------------------------------------------------


def _check_line(value: str, what: str) -> None:
    if not value or "\n" in value or _CONTROL.search(value) or _utf8(value) is None:
        raise ValueError(f"a checkpoint {what} is one non-empty line of text")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head as c2sp.org/tlog-checkpoint text: origin, size, root."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if not 0 <= self.size <= _MAX_SIZE:
            raise ValueError("a checkpoint size is 0..2**64-1")
        if len(self.root) != HASH_SIZE:
            raise ValueError("a checkpoint root is a 32-byte SHA-256 hash")
        for line in self.extensions:
            _check_line(line, "extension line")

    def body(self) -> str:
        """The note text: ``origin``, ``size``, ``base64(root)``, extensions, each + newline."""
        lines = (self.origin, str(self.size), _b64encode(self.root), *self.extensions)
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse checkpoint text strictly; raise :class:`~veil.errors.LedgerTampered` if malformed.

        Strict: a final newline, a decimal size without leading zeros below
        2**64, canonical base64 of a 32-byte root, non-empty extension lines.
        The text is evidence from elsewhere, so a malformed one is tampering,
        not a caller's mistake.
        """
        lines = body.split("\n")
        if len(lines) < 4 or lines[-1] or not _DECIMAL.fullmatch(lines[1]):
            raise LedgerTampered("malformed checkpoint")
        origin, size, root64, *extensions = lines[:-1]
        root = _b64decode(root64)
        try:
            return cls(origin, int(size), root or b"", tuple(extensions))
        except ValueError:
            raise LedgerTampered("malformed checkpoint") from None


# --- keys ------------------------------------------------------------------------


def _parse_vkey(vkey: str, key_type: int) -> tuple[str, bytes]:
    """``<name>+<hex key hash>+<base64(type || public key)>`` -> (name, public key)."""
    name, _, rest = vkey.partition("+")
    hash_hex, _, key64 = rest.partition("+")  # base64 may contain '+', the name may not
    raw = _b64decode(key64)
    if not (_valid_name(name) and _KEY_HASH_HEX.fullmatch(hash_hex) and raw):
        raise ValueError("malformed verifier key: want <name>+<8 hex digits>+<base64 key>")
    if raw[0] != key_type or len(raw) != 33:
        raise ValueError(f"verifier key is not of type 0x{key_type:02x} with a 32-byte key")
    if _key_hash(name, key_type, raw[1:]) != bytes.fromhex(hash_hex):
        raise ValueError("verifier key hash does not match its name and key")
    return name, raw[1:]


class _Key:
    """A named Ed25519 public key of one signature type: name, key hash, vkey."""

    __slots__ = ("_key_hash", "_name", "_public")
    _TYPE: ClassVar[int]

    def __init__(self, name: str, public: bytes) -> None:
        if not _valid_name(name):
            raise ValueError("a key name is non-empty, without spaces, '+' or control characters")
        self._name, self._public = name, public
        self._key_hash = _key_hash(name, self._TYPE, public)

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_hash(self) -> bytes:
        """The 4-byte key ID: ``SHA-256(name || "\\n" || type || public key)[:4]``."""
        return self._key_hash

    @property
    def vkey(self) -> str:
        """The verifier key, ``<name>+<hex key hash>+<base64(type || public key)>``."""
        encoded = _b64encode(bytes([self._TYPE]) + self._public)
        return f"{self._name}+{self._key_hash.hex()}+{encoded}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, key_hash={self._key_hash.hex()})"


class _Signer(_Key):
    """Holds the private key; never prints it, never pickles."""

    __slots__ = ("_key",)

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        if not isinstance(key, Ed25519PrivateKey):
            raise TypeError("a note key is an Ed25519PrivateKey")
        super().__init__(name, key.public_key().public_bytes_raw())
        self._key = key

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} refuses to be pickled")

    def __getstate__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} refuses to be pickled")


class _Verifier(_Key):
    __slots__ = ("_key",)

    def __init__(self, name: str, key: Ed25519PublicKey) -> None:
        if not isinstance(key, Ed25519PublicKey):
            raise TypeError("a verifier key is an Ed25519PublicKey")
        super().__init__(name, key.public_bytes_raw())
        self._key = key

    def _ed25519_ok(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != _ED25519_SIG:
            return False
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def _public_key(raw: bytes) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValueError("verifier key is not an Ed25519 public key") from None


class NoteVerifier(_Verifier):
    """Verifies Ed25519 note signatures (type 0x01) of one named key."""

    __slots__ = ()
    _TYPE = _ED25519

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key strictly; :class:`ValueError` names what is wrong."""
        name, public = _parse_vkey(vkey, cls._TYPE)
        return cls(name, _public_key(public))

    def verify(self, text: bytes, signature: bytes) -> bool:
        return self._ed25519_ok(text, signature)


class NoteSigner(_Signer):
    """Signs notes with an Ed25519 key (signature type 0x01)."""

    __slots__ = ()
    _TYPE = _ED25519

    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self._name, self._key.public_key())

    def sign(self, text: str) -> str:
        """The signature line ``"— <name> base64(key hash || signature)\\n"``."""
        return _signature_line(self._name, self._key_hash + self._key.sign(_note_text(text)))


# --- witness cosignatures ----------------------------------------------------------


def _cosigned_message(timestamp: int, text: bytes) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


def _is_checkpoint(text: bytes) -> bool:
    try:
        Checkpoint.parse(text.decode("utf-8"))
    except (LedgerTampered, UnicodeDecodeError):
        return False
    return True


class CosignatureVerifier(_Verifier):
    """Verifies a witness's cosignature/v1 (type 0x04) over checkpoints."""

    __slots__ = ()
    _TYPE = _COSIGNATURE_V1

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """Parse a type 0x04 verifier key strictly; :class:`ValueError` names what is wrong."""
        name, public = _parse_vkey(vkey, cls._TYPE)
        return cls(name, _public_key(public))

    def verify(self, text: bytes, signature: bytes) -> bool:
        timestamp = int.from_bytes(signature[:_TIMESTAMP], "big")
        if timestamp > _MAX_TIMESTAMP or not _is_checkpoint(text):
            return False
        message = _cosigned_message(timestamp, text)
        return self._ed25519_ok(message, signature[_TIMESTAMP:])


class CosignatureSigner(_Signer):
    """A witness's key: cosigns checkpoints (cosignature/v1, type 0x04) with the time.

    ``clock`` returns POSIX seconds; tests pass a fixed one.
    """

    __slots__ = ("_clock",)
    _TYPE = _COSIGNATURE_V1

    def __init__(
        self, name: str, key: Ed25519PrivateKey, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(name, key)
        self._clock = clock

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self._name, self._key.public_key())

    def sign(self, text: str) -> str:
        """The cosignature line for checkpoint ``text``; :class:`ValueError` for other text."""
        raw = _note_text(text)
        if not _is_checkpoint(raw):
            raise ValueError("a cosignature signs checkpoint text only")
        timestamp = int(self._clock())
        if not 0 <= timestamp <= _MAX_TIMESTAMP:
            raise ValueError("a cosignature time is 0..2**63-1 seconds")
        signature = self._key.sign(_cosigned_message(timestamp, raw))
        return _signature_line(
            self._name, self._key_hash + timestamp.to_bytes(8, "big") + signature
        )


# --- notes -------------------------------------------------------------------------


def _malformed() -> LedgerTampered:
    return LedgerTampered("malformed note")


def _parse_signature(line: str) -> tuple[str, bytes, bytes]:
    """``"— <name> <base64>"`` -> (name, key hash, signature)."""
    if not line.startswith(_SIG_PREFIX):
        raise _malformed()
    name, _, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    raw = _b64decode(encoded)
    if raw is None or len(raw) < 5 or not _valid_name(name):
        raise _malformed()
    return name, raw[:4], raw[4:]


def _split_note(note: str | bytes) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """(text, signatures) of a well-formed note; the text is before the last blank line."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed() from None
    if _CONTROL.search(note) or _utf8(note) is None:
        raise _malformed()
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n") or split + 2 == len(note):
        raise _malformed()
    text, block = note[: split + 1], note[split + 2 :]
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _malformed()
    return text, [_parse_signature(line) for line in lines]


def _index(verifiers: Iterable[Verifier]) -> dict[tuple[str, bytes], Verifier]:
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in verifiers:
        key = (verifier.name, verifier.key_hash)
        if key in known:  # as Go's VerifierList: an ambiguous list is refused
            raise ValueError(f"two verifiers share the name {key[0]!r} and key hash")
        known[key] = verifier
    return known


def sign_note(text: str, signers: Iterable[Signer]) -> str:
    """``text`` + a blank line + one signature line per signer (at least one)."""
    _note_text(text)
    lines = [signer.sign(text) for signer in signers]
    if not lines:
        raise ValueError("a note needs at least one signer")
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"a note carries at most {MAX_SIGNATURES} signatures")
    for line in lines:
        if not line.endswith("\n") or "\n" in line[:-1]:
            raise ValueError("a signer returned a malformed signature line")
        try:
            _parse_signature(line[:-1])
        except LedgerTampered:
            raise ValueError("a signer returned a malformed signature line") from None
    return text + "\n" + "".join(lines)


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> tuple[str, list[str]]:
    """Verify ``note``; return its text and the names of the known keys that signed it.

    Every signature whose (name, key hash) matches a verifier is checked, and
    any that fails raises :class:`~veil.errors.LedgerTampered`, as do a malformed
    note and a note no known key signed. Other signatures are ignored. Two
    verifiers with the same name and key hash are a :class:`ValueError`.
    """
    known = _index(verifiers)
    text, signatures = _split_note(note)
    message = text.encode("utf-8")
    names: list[str] = []
    for name, key_hash, signature in signatures:
        verifier = known.get((name, key_hash))
        if verifier is None:
            continue
        if not verifier.verify(message, signature):
            raise LedgerTampered("note signature does not verify")
        if name not in names:
            names.append(name)
    if not names:
        raise LedgerTampered("note is not signed by a known key")
    return text, names

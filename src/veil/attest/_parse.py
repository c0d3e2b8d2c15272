"""Parsing helpers the verifiers share: evidence comes from the network and may be hostile.

Whatever a parser raises on hostile bytes must become ``malformed``, never a
crash or a traceback that leaks our internals; and no field may be read past
the end of its buffer, because a Python slice would quietly come back short.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from veil.attest._x509 import CERT_ERRORS
from veil.errors import AttestationFailed

__all__ = ["Reader", "as_bytes", "malformed", "need"]

# What hostile bytes can make our field checks raise, plus what a lazily parsed
# certificate can (cryptography's x509 exceptions derive from Exception, not ValueError).
_PARSE_ERRORS: tuple[type[Exception], ...] = (
    ValueError, TypeError, KeyError, IndexError, OverflowError, *CERT_ERRORS,
)  # fmt: skip


@contextmanager
def malformed(*also: type[Exception]) -> Iterator[None]:
    """Map parser exceptions, and any of ``also`` (a decoder's own base error), to ``malformed``.

    A verifier wraps its parsing in this rather than guarding each field, so a
    check it forgot fails closed instead of crashing.
    """
    errors = _PARSE_ERRORS + also
    try:
        yield
    except errors:
        raise AttestationFailed("malformed") from None


def need(ok: bool) -> None:
    """Refuse the evidence as ``malformed`` unless ``ok``: one line a structural check."""
    if not ok:
        raise AttestationFailed("malformed")


def as_bytes(data: object) -> bytes:
    """Evidence arrives from the network: anything but a byte string is malformed, not a crash."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise AttestationFailed("malformed")
    return bytes(data)


class Reader:
    """A bounds-checked cursor: running off the end is ``malformed``, never a short slice."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data, self._pos = data, 0

    @property
    def pos(self) -> int:
        """How many bytes have been read: where a signed prefix ends."""
        return self._pos

    def take(self, size: int) -> bytes:
        """The next ``size`` bytes, all of them or ``malformed``."""
        end = self._pos + size
        need(size >= 0 and end <= len(self._data))
        chunk, self._pos = self._data[self._pos : end], end
        return chunk

    def uint(self, size: int) -> int:
        """A little-endian unsigned integer, as SPDM and DCAP encode every length."""
        return int.from_bytes(self.take(size), "little")

    def sub(self, size: int) -> Reader:
        """A reader over the next ``size`` bytes: a length-prefixed structure of its own."""
        return Reader(self.take(size))

    def at_end(self) -> bool:
        """Whether every byte has been read."""
        return self._pos == len(self._data)

    def expect_end(self) -> None:
        """A length-prefixed structure must be consumed exactly: slack would be unsigned room."""
        need(self.at_end())

"""Wrappers for values that must never print: keys, tokens, raw PII.

Modelled on tink's key handles: the value is reachable only through an
explicit ``reveal()``; ``repr``/``str``/``format`` show ``[secure]``; pickling is
refused so a value cannot slip into a cache, a queue or a crash dump.
"""

from __future__ import annotations

from typing import Any, Generic, NoReturn, TypeVar

T = TypeVar("T", str, bytes)

_MASK = "[secure]"


class Sensitive(Generic[T]):
    """A raw sensitive value. Use ``reveal()`` at the one place that needs it."""

    __slots__ = ("_value",)
    _value: T

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        return self._value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_MASK})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sensitive) and other._value == self._value

    def __hash__(self) -> int:
        return hash((type(self), self._value))

    def __len__(self) -> int:
        return len(self._value)

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} refuses to be pickled")

    def __getstate__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} refuses to be pickled")


class SecretKey(Sensitive[bytes]):
    """Raw key bytes. Only ``veil.hazmat`` hands these out."""


def redact_repr(obj: Any) -> str:
    """A repr that never shows contents: type and length only."""
    try:
        size = len(obj)
    except TypeError:
        return f"<{type(obj).__name__}>"
    return f"<{type(obj).__name__} len={size}>"

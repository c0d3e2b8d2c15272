"""What one validated pattern is: a linear-time RE2 pattern plus data about it.

A ``PatternSpec`` is data, not code: the pattern, a base score, an optional
validator from a well-kept library (python-stdnum, phonenumbers, ipaddress),
and context-word lists named by key (``_context.POSITIVE``/``NEGATIVE``).
``_patterns.PatternDetector`` compiles and runs them.

Patterns are matched against the UTF-8 bytes of a text, so RE2 classes such as
``\\d``, ``\\s`` and ``\\b`` are ASCII-only: that is deliberate (Unicode digits
never validate) and keeps the DFA small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from veil.detect._types import Label

__all__ = [
    "UNVERIFIED_BONUS",
    "VALIDATION_BYTES",
    "VALIDATION_FLOOR",
    "Check",
    "Edge",
    "PatternSpec",
    "Verdict",
    "accept",
    "digits_only",
    "has_digits",
    "no_digit_chain",
    "words",
]

# Costly checks (a phonenumbers parse is ~0.2 ms) run at most once per this many bytes of a
# document (and at least VALIDATION_FLOOR times). Past that budget a candidate is accepted
# unverified with this bonus: a page of digit soup is over-redacted, never left unscanned
# or slow. Real texts stay far below the budget.
VALIDATION_BYTES = 1024
VALIDATION_FLOOR = 64
UNVERIFIED_BONUS = 0.15


@dataclass(frozen=True, slots=True)
class Verdict:
    """A validator's answer: ``value[start:end]`` is accepted, optionally refined."""

    start: int
    end: int
    subtype: str | None = None
    bonus: float = 0.0  # added to the spec's base score (e.g. a fully valid phone number)


Check = Callable[[str], Verdict | None]
"""Validate a candidate value; ``None`` rejects it."""

Edge = Callable[[bytes, int, int], bool]
"""Given the document bytes and a candidate's byte span, say whether its neighbours allow it."""


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """One pattern: ``name`` becomes the detector name ``pattern:<name>``.

    ``group`` picks the capture group(s) holding the value (the first one that
    took part in the match wins), so context words can sit inside the pattern
    while the finding's span stays tight. ``rank`` orders overlapping findings:
    3 = a specific secret format, 2 = checksum-validated or keyword-anchored,
    1 = format-only, 0 = weak.
    """

    name: str
    label: Label
    subtype: str
    pattern: str
    score: float
    group: int | tuple[int, ...] = 0
    check: Check | None = None
    edge: Edge | None = None
    context: str | None = None  # key into _context.POSITIVE: raises the score
    negative: str | None = None  # key into _context.NEGATIVE: lowers the score
    context_subtype: str | None = None  # subtype when positive context is present (DOB)
    min_score: float = 0.5
    requires_context: bool = False  # fire only within ``window`` after a positive context word
    rank: int = 1
    locales: frozenset[str] = frozenset()  # empty: every locale
    items: bool = False  # the value is a list ("26480/95, 28291/95 and 29280/95"): one finding
    # per comma- or space-separated item that passes ``check``
    window: int = 40  # context window, in bytes before the value
    costly: bool = False  # ``check`` is slow (phonenumbers): subject to the validation budget
    precheck: Check | None = None  # cheap test run first, always (shape of a phone number)

    @property
    def groups(self) -> tuple[int, ...]:
        return self.group if isinstance(self.group, tuple) else (self.group,)


def accept(value: str, subtype: str | None = None, bonus: float = 0.0) -> Verdict:
    """Accept the whole value."""
    return Verdict(0, len(value), subtype, bonus)


def words(text: str) -> tuple[str, ...]:
    """A whitespace-separated word list, for data tables that read better as prose."""
    return tuple(text.split())


def has_digits(minimum: int) -> Check:
    """A check accepting values with at least ``minimum`` digits (reference numbers)."""

    def check(value: str) -> Verdict | None:
        return accept(value) if sum(ch.isdigit() for ch in value) >= minimum else None

    return check


def digits_only(value: str) -> str:
    """The value without separators (spaces, dashes, dots, slashes)."""
    return "".join(ch for ch in value if ch.isdigit())


_CHAIN = b"-./"


def no_digit_chain(data: bytes, start: int, end: int) -> bool:
    """Reject a number that is a fragment of a longer one (``1-123-45-6789``, ``1.2.3.4.5``).

    RE2 has no lookarounds, so a pattern anchored with ``\\b`` still matches inside
    ``12-345-67-8901``; this checks the neighbouring bytes instead.
    """
    before = data[start - 2 : start] if start >= 2 else b""
    if start and data[start - 1 : start].isdigit():
        return False
    if len(before) == 2 and before[1] in _CHAIN and before[:1].isdigit():
        return False
    if data[end : end + 1].isdigit():
        return False
    after = data[end : end + 2]
    return not (len(after) == 2 and after[0] in _CHAIN and after[1:].isdigit())

"""Apply operators to a text's findings, and restore pseudonyms afterwards.

Overlaps are resolved before anything is replaced: every connected group of
overlapping findings becomes one span (the union) carrying the best
finding's label. Replacing only the winner's span would leave the loser's
overhang in clear ("John [PERSON]" from an overlap on "John Smith Jr"), so
the union is the only choice that never leaks part of a detected value.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from veil._sensitive import Sensitive
from veil.detect._types import LABELS, Finding, Label
from veil.errors import RestoreError, TransformError
from veil.transform._operators import Operator, OperatorContext
from veil.transform._vault import Vault

__all__ = ["Change", "RestoreResult", "TransformResult", "resolve_overlaps", "restore", "transform"]

Chooser = Callable[[Label], Operator]

# Longest label first so CREDIT_CARD is tried before a shorter label could match a prefix.
_LABEL_ALT = "|".join(sorted(LABELS, key=len, reverse=True))
_PLACEHOLDER = rf"<(?:{_LABEL_ALT})_[1-9][0-9]*>"


@dataclass(frozen=True, slots=True)
class Change:
    """One replaced span: where it was in the input and where its replacement is in the output."""

    label: Label
    operator: str
    start: int
    end: int
    out_start: int
    out_end: int

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self) | {"label": self.label.value}


@dataclass(frozen=True, slots=True)
class TransformResult:
    """The transformed text, the changes made (offsets only, no values) and counts per label."""

    text: str
    changes: tuple[Change, ...]
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """Re-identified text (sensitive again), how many surrogates were restored, and which not."""

    text: Sensitive[str]
    restored: int
    unknown: tuple[str, ...]  # distinct placeholders the vault does not know, first seen first
    unknown_count: int  # occurrences, counting repeats


def _rank(f: Finding) -> tuple[float, int, int, str, str, str]:
    """Total order for picking a group's label: score, then length, then position, then names."""
    return (-f.score, -f.length, f.start, f.label.value, f.detector, f.subtype or "")


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Merge each group of overlapping findings into one, in text order (see module doc)."""
    groups: list[list[Finding]] = []
    group_end = -1
    for f in sorted(findings, key=lambda f: (f.start, f.end)):
        if groups and f.start < group_end:
            groups[-1].append(f)
            group_end = max(group_end, f.end)
        else:
            groups.append([f])
            group_end = f.end
    return [_merge(group) for group in groups]


def _merge(group: list[Finding]) -> Finding:
    winner = min(group, key=_rank)
    start, end = min(f.start for f in group), max(f.end for f in group)
    return Finding(start, end, winner.label, winner.score, winner.detector, winner.subtype)


@dataclass
class _Output:
    """Accumulates the output text and the offsets of each replacement in it."""

    source: str
    pieces: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    read: int = 0  # how far into the source has been copied
    length: int = 0  # output length so far

    def replace(self, f: Finding, operator: str, replacement: str) -> None:
        self._copy_to(f.start)
        self.pieces.append(replacement)
        start, self.length = self.length, self.length + len(replacement)
        self.changes.append(Change(f.label, operator, f.start, f.end, start, self.length))
        self.read = f.end

    def finish(self) -> str:
        self._copy_to(len(self.source))
        return "".join(self.pieces)

    def _copy_to(self, position: int) -> None:
        self.pieces.append(self.source[self.read : position])
        self.length += position - self.read


def transform(
    text: str, findings: Iterable[Finding], choose: Chooser, ctx: OperatorContext
) -> TransformResult:
    """Replace every finding (overlaps merged) with what ``choose(label)``'s operator returns."""
    out = _Output(text)
    resolved = resolve_overlaps(findings)
    for f in resolved:
        if f.end > len(text):
            raise TransformError(
                f"finding [{f.start}, {f.end}) lies outside a {len(text)}-char text"
            )
        operator = choose(f.label)
        replacement = operator.apply(text[f.start : f.end], f, ctx)
        out.replace(f, operator.name, "" if replacement is None else replacement)
    counts = Counter(f.label.value for f in resolved)
    return TransformResult(out.finish(), tuple(out.changes), dict(counts))


def restore(text: str, vault: Vault, scope: str = "default") -> RestoreResult:
    """Put the vault's values back for ``<LABEL_n>`` placeholders and this scope's fakes.

    A fake surrogate is matched as a whole word; a real value in the text that
    happens to equal a recorded fake would be replaced too, which is why the
    fakes use reserved domains and ranges where they can. Unknown placeholders
    are left as they are and reported, never guessed.
    """
    restored = 0
    unknown: list[str] = []

    def swap(match: re.Match[str]) -> str:
        nonlocal restored
        try:
            value = vault.reveal(match.group(0), scope).reveal()
        except RestoreError:
            unknown.append(match.group(0))
            return match.group(0)
        restored += 1
        return value

    new_text = _surrogate_pattern(vault.fake_surrogates(scope)).sub(swap, text)
    distinct = tuple(dict.fromkeys(unknown))
    return RestoreResult(Sensitive(new_text), restored, distinct, len(unknown))


def _surrogate_pattern(fakes: list[str]) -> re.Pattern[str]:
    if not fakes:
        return re.compile(_PLACEHOLDER)
    alternatives = "|".join(re.escape(f) for f in sorted(fakes, key=len, reverse=True))
    return re.compile(rf"{_PLACEHOLDER}|(?<!\w)(?:{alternatives})(?!\w)")

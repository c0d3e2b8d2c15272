"""Classify table columns from their names and a sample of their values.

A column is *typed* as class L when at least 60 % of sampled values are (80 % of
their characters) findings of L, or when its name hints L and a sampled value agrees
(for strong hints such as ``password`` or ``ssn``, any value will do). Otherwise it
is *free text* when values read like prose (mean length over 30 characters, or most
values contain a space), and *clean* when neither. Sampled values go to the engine
in one ``find`` call for all columns; the report keeps counts, never values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence

from veil.detect._types import Finding, Label
from veil.io._engine import TextEngine
from veil.io._hints import Hint, name_hint
from veil.io._report import ColumnKind, ColumnReport

__all__ = ["SAMPLE_SIZE", "classify_columns", "sample"]

SAMPLE_SIZE = 200
TYPED_SHARE = 0.6  # share of sampled values a label must cover to type a column
COVERED = 0.8  # share of a value's characters the label's findings must cover
PROSE_MEAN_CHARS = 30

Columns = Mapping[str, Sequence[str | None]] | Iterable[tuple[str, Sequence[str | None]]]
Decision = tuple[ColumnKind, Label | None, str]


def classify_columns(
    columns: Columns, engine: TextEngine, *, non_text: Collection[str] = ()
) -> list[ColumnReport]:
    """One report per column (name → values, or pairs when names repeat), in order.

    Columns named in ``non_text`` hold numbers or dates shown as text: they are typed
    by their name hint only (small integers look like IDs or ages to any detector)
    and are never free text.
    """
    pairs = list(columns.items() if isinstance(columns, Mapping) else columns)
    samples = [sample(values) for _, values in pairs]
    flat = [v for s in samples for v in s]
    found = iter(engine.find(flat) if flat else [])
    return [
        _classify(name, s, [next(found) for _ in s], text=name not in non_text)
        for (name, _), s in zip(pairs, samples, strict=True)
    ]


def sample(values: Iterable[str | None], size: int = SAMPLE_SIZE) -> list[str]:
    """The first ``size`` non-blank values, stripped."""
    out: list[str] = []
    for value in values:
        if value is not None and value.strip():
            out.append(value.strip())
            if len(out) == size:
                break
    return out


def _classify(
    name: str, values: list[str], findings: list[list[Finding]], *, text: bool
) -> ColumnReport:
    decide = _decide if text else _decide_by_name
    kind, label, reason = decide(name_hint(name), values, findings)
    counts = Counter(f.label.value for fs in findings for f in fs)
    return ColumnReport(name, kind, label, reason, sampled=len(values), sample_counts=counts)


def _decide(hint: Hint | None, values: list[str], findings: list[list[Finding]]) -> Decision:
    best = _best_covered(values, findings)
    if best is not None:
        return ColumnKind.TYPED, best, "values"
    by_name = _decide_by_name(hint, values, findings)
    if by_name[0] is ColumnKind.TYPED:
        return by_name
    if _prose(values):
        return ColumnKind.FREE_TEXT, None, "free text"
    return ColumnKind.CLEAN, None, "nothing found in the sample"


def _decide_by_name(
    hint: Hint | None, values: list[str], findings: list[list[Finding]]
) -> Decision:
    if hint is not None:
        if any(f.label is hint.label for fs in findings for f in fs):
            return ColumnKind.TYPED, hint.label, "name and values"
        if hint.strong or not values:  # nothing sampled contradicts the name
            return ColumnKind.TYPED, hint.label, "name"
    return ColumnKind.CLEAN, None, "nothing found in the sample"


def _best_covered(values: list[str], findings: list[list[Finding]]) -> Label | None:
    """The label covering the most values, if it covers at least ``TYPED_SHARE`` of them."""
    votes: Counter[Label] = Counter()
    for value, found in zip(values, findings, strict=True):
        votes.update(
            label
            for label in {f.label for f in found}
            if _coverage(len(value), [f for f in found if f.label is label]) >= COVERED
        )
    if not votes:
        return None
    label, n = min(votes.items(), key=lambda kv: (-kv[1], kv[0].value))
    return label if n >= TYPED_SHARE * len(values) else None


def _coverage(length: int, spans: list[Finding]) -> float:
    """Share of ``length`` characters inside the union of ``spans``."""
    covered, reach = 0, 0
    for f in sorted(spans):
        start = max(f.start, reach)
        covered += max(0, min(f.end, length) - start)
        reach = max(reach, f.end)
    return covered / length if length else 0.0


def _prose(values: list[str]) -> bool:
    if not values:
        return False
    mean = sum(len(v) for v in values) / len(values)
    spaced = sum(" " in v for v in values)
    return mean > PROSE_MEAN_CHARS or spaced > len(values) / 2

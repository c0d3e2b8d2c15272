"""TEST DOUBLE: a regex ``io.TextEngine``, not a real detector (for testing file adapters).

``FakeEngine`` finds e-mail addresses (EMAIL), the names Alice and Bob (PERSON) and
runs of digits (ID), replaces each with ``[LABEL]``, and transforms whole typed values
to ``[LABEL]`` (or drops the labels in ``drop``). It records batch sizes, never texts.
The tests in this module pin the double's own behaviour so the others can rely on it.
"""

from __future__ import annotations

import re
from collections import Counter

from veil.detect._types import Finding, Label
from veil.io._engine import TextOutcome

# Linear time: matches start only at a word boundary and the possessive ``++`` never
# backtracks, so a 256 KB run of word characters without "@" is scanned once.
_PATTERN = re.compile(
    r"\b(?:(?P<EMAIL>[\w.+-]++@[\w-]+\.[\w.]+)|(?P<PERSON>(?:Alice|Bob)\b)|(?P<ID>\d+))"
)


class FakeEngine:
    """TEST DOUBLE (see module docstring). ``scan_only`` mimics a scanning engine."""

    def __init__(self, *, drop: frozenset[Label] = frozenset(), scan_only: bool = False) -> None:
        self.drop = drop
        self.scan_only = scan_only
        self.batches: list[int] = []  # texts per process() call
        self.longest = 0  # longest text handed to process()
        self.values: Counter[Label] = Counter()  # process_value() calls per label

    def process(self, texts: list[str]) -> list[TextOutcome]:
        self.batches.append(len(texts))
        self.longest = max([self.longest, *map(len, texts)])
        return [self._one(t) for t in texts]

    def process_value(self, value: str, label: Label) -> str | None:
        self.values[label] += 1
        return None if label in self.drop else f"[{label.value}]"

    def find(self, texts: list[str]) -> list[list[Finding]]:
        return [
            [
                Finding(m.start(), m.end(), Label(m.lastgroup or ""), 1.0, "fake")
                for m in _PATTERN.finditer(t)
            ]
            for t in texts
        ]

    def _one(self, text: str) -> TextOutcome:
        counts: Counter[str] = Counter()

        def replace(m: re.Match[str]) -> str:  # one pass: count and replace together
            counts[m.lastgroup or ""] += 1
            return f"[{m.lastgroup}]"

        out = _PATTERN.sub(replace, text)
        return TextOutcome(None if self.scan_only else out, counts)

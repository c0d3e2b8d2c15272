"""What the file adapters need from the core: a small protocol, so io/ stays an adapter.

``veil.Redactor`` implements it for transformation; ``ScanEngine`` below for
read-only scans. Adapters never see raw values beyond the text they carry.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from veil.detect._types import Finding, Label


@dataclass
class TextOutcome:
    """The transformed text (None for scan-only engines) and what was found per class."""

    text: str | None
    counts: Counter[str] = field(default_factory=Counter)


class TextEngine(Protocol):
    """Transforms batches of free text and single typed values."""

    def process(self, texts: list[str]) -> list[TextOutcome]:
        """Detect and (for redacting engines) transform each text."""
        ...

    def process_value(self, value: str, label: Label) -> str | None:
        """Transform a whole value known to be ``label`` (a typed column); None drops it."""
        ...

    def find(self, texts: list[str]) -> list[list[Finding]]:
        """Findings only (column classification samples values through this)."""
        ...

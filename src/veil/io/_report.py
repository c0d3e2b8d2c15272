"""What a file run reports, per file and per column: counts and kinds, never values.

Column names, file paths, labels and counts are the only strings a report carries,
so it can be printed, logged or stored in the ledger as it is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from veil.detect._types import Label

__all__ = ["ColumnKind", "ColumnReport", "FileReport", "Report"]


class ColumnKind(StrEnum):
    """How a table column is treated."""

    TYPED = "typed"  # every cell is one value of a class: transformed whole
    FREE_TEXT = "free_text"  # every cell is scanned for entities inside it
    CLEAN = "clean"  # left as it is


@dataclass(slots=True)
class ColumnReport:
    """A column's classification, why it was chosen, and what processing it got.

    ``sample_counts`` are findings in the sampled values (what classification saw);
    ``cells`` and ``counts`` cover every cell processed; ``dropped`` counts cells emptied.
    """

    name: str
    kind: ColumnKind
    label: Label | None
    reason: str
    sampled: int = 0
    sample_counts: Counter[str] = field(default_factory=Counter)
    cells: int = 0
    dropped: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "label": self.label.value if self.label else None,
            "reason": self.reason,
            "sampled": self.sampled,
            "sample_counts": dict(sorted(self.sample_counts.items())),
            "cells": self.cells,
            "dropped": self.dropped,
            "counts": dict(sorted(self.counts.items())),
        }


@dataclass(slots=True)
class FileReport:
    """One input file: its format, records (lines, rows or documents), characters and counts."""

    path: str
    format: str
    records: int = 0
    chars: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    columns: list[ColumnReport] = field(default_factory=list)
    output: str | None = None
    skipped: str | None = None  # why the file was not processed (directory walks only)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "format": self.format,
            "records": self.records,
            "chars": self.chars,
            "counts": dict(sorted(self.counts.items())),
            "columns": [c.as_dict() for c in self.columns],
            "output": self.output,
            "skipped": self.skipped,
        }


@dataclass(slots=True)
class Report:
    """Every file of a run, in walk order, and totals across them."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def totals(self) -> Counter[str]:
        """Findings per class across all files."""
        total: Counter[str] = Counter()
        for entry in self.files:
            total.update(entry.counts)
        return total

    @property
    def records(self) -> int:
        return sum(entry.records for entry in self.files)

    @property
    def chars(self) -> int:
        return sum(entry.chars for entry in self.files)

    def as_dict(self) -> dict[str, object]:
        return {
            "files": [entry.as_dict() for entry in self.files],
            "totals": {
                "files": len(self.files),
                "records": self.records,
                "chars": self.chars,
                "counts": dict(sorted(self.totals.items())),
            },
        }

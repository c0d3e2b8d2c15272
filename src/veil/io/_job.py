"""One run's settings and the two calls every adapter makes into the engine.

Scan engines return ``TextOutcome(text=None)``; in a scan the adapters keep the
original text and write nothing, so the same adapter code serves both commands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeVar

from veil.detect._types import Label
from veil.errors import ConfigError, DetectionError
from veil.io._engine import TextEngine, TextOutcome

__all__ = ["Job", "batched"]

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter); itertools' is 3.12+."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


@dataclass(slots=True)
class Job:
    """Engine, mode and options of one ``redact_path`` / ``scan_path`` call."""

    engine: TextEngine
    redact: bool
    fields: tuple[str, ...] | None = None
    encoding: str = "utf-8"
    progress: Callable[[int], None] | None = None
    done: int = field(default=0)

    def advance(self, nbytes: int) -> None:
        """Count processed input bytes; ``progress`` receives the running total."""
        self.done += nbytes
        if self.progress is not None:
            self.progress(self.done)

    def texts(self, texts: list[str], counts: Counter[str]) -> list[str]:
        """Run free texts through the engine; the transformed texts (scan: the originals)."""
        if not texts:
            return []
        outcomes = self.engine.process(texts)
        if len(outcomes) != len(texts):
            raise DetectionError(
                f"the engine returned {len(outcomes)} results for {len(texts)} "
                "texts; nothing was written"
            )
        for outcome in outcomes:
            counts.update(outcome.counts)
        return [_text_of(o) for o in outcomes] if self.redact else texts

    def value(self, value: str, label: Label, counts: Counter[str]) -> str | None:
        """Transform one whole value of class ``label`` (scan: count it, keep it)."""
        counts[label.value] += 1
        return self.engine.process_value(value, label) if self.redact else value


def _text_of(outcome: TextOutcome) -> str:
    if outcome.text is None:
        raise ConfigError(
            "this engine only scans (it returned no text); "
            "redact with a transforming engine such as veil.Redactor"
        )
    return outcome.text

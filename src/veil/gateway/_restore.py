"""Inbound: put the caller's values back into a model's answer, whole or streamed.

A request's outbound pseudonymisation yields the only placeholders the model can
legitimately return (those in this conversation's messages), so each request carries
its own mapping in memory: restoring never touches the vault, never guesses, and an
unknown or mangled placeholder is left as it is and counted.

Streams: a placeholder can be split over chunks (``<PER`` + ``SON_1>``). A
``StreamRestorer`` holds back only a suffix that could still become a placeholder
(``<`` followed by at most ``MAX_PLACEHOLDER`` capitals, digits and ``_``) and lets
everything before it through at once, so chunks keep flowing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["PLACEHOLDER", "Mapping", "StreamRestorer"]

PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_[1-9][0-9]*>")
MAX_PLACEHOLDER = 48  # longest "<LABEL_n>" this holds back for
_PARTIAL = re.compile(r"<[A-Z0-9_]*$")


@dataclass(slots=True)
class Mapping:
    """Placeholder -> original value for one request (held in memory only)."""

    values: dict[str, str] = field(default_factory=dict)
    restored: int = 0
    unknown: int = 0

    def restore(self, text: str, *, json_string: bool = False) -> str:
        """``text`` with known placeholders replaced; inside a JSON string literal
        (``json_string``) the values are escaped so the document stays valid."""
        if "<" not in text:
            return text
        return PLACEHOLDER.sub(lambda m: self._swap(m.group(0), json_string), text)

    def _swap(self, placeholder: str, json_string: bool) -> str:
        value = self.values.get(placeholder)
        if value is None:
            self.unknown += 1
            return placeholder
        self.restored += 1
        return json.dumps(value)[1:-1] if json_string else value


class StreamRestorer:
    """Feeds chunks in, gets restored text out, holding back a possible placeholder start."""

    __slots__ = ("_held", "_restore")

    def __init__(self, restore: Callable[[str], str]) -> None:
        self._restore = restore
        self._held = ""

    def feed(self, chunk: str) -> str:
        text = self._held + chunk
        cut = _safe_cut(text)
        self._held = text[cut:]
        return self._restore(text[:cut])

    def flush(self) -> str:
        text, self._held = self._held, ""
        return self._restore(text)

    @property
    def holding(self) -> bool:
        return bool(self._held)


def _safe_cut(text: str) -> int:
    """Where the part that can be released ends: before a trailing partial placeholder."""
    start = text.rfind("<", max(0, len(text) - MAX_PLACEHOLDER))
    if start < 0 or not _PARTIAL.match(text, start):
        return len(text)
    return start

"""Text segments that carry their entity spans, so offsets are exact by construction.

A Seg is built by concatenation only: every labelled value is appended as one piece and
its span is recorded at the current offset. Transforms (case, line prefixes) remap spans
and keep each span's `value` equal to the text it covers; `check()` asserts that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SLOT_RE = re.compile(r"\{([a-z][a-z0-9_]*)\}")


@dataclass(slots=True)
class Span:
    start: int
    end: int
    label: str
    value: str


@dataclass(slots=True)
class Seg:
    text: str = ""
    spans: list[Span] = field(default_factory=list)

    def add(self, value: str, label: str | None = None) -> Seg:
        """Append `value`; record a span when `label` is given."""
        if label and value:
            start = len(self.text)
            self.spans.append(Span(start, start + len(value), label, value))
        self.text += value
        return self

    def extend(self, other: Seg) -> Seg:
        off = len(self.text)
        self.text += other.text
        self.spans.extend(Span(s.start + off, s.end + off, s.label, s.value) for s in other.spans)
        return self

    def has_pii(self) -> bool:
        return bool(self.spans)


def lit(text: str) -> Seg:
    return Seg(text, [])


def join(sep: str, segs: list[Seg]) -> Seg:
    out = Seg()
    for i, s in enumerate(segs):
        if i:
            out.add(sep)
        out.extend(s)
    return out


def map_case(seg: Seg, fn) -> Seg:
    """Apply a length-preserving case function to text and span values (no-op otherwise)."""
    text = fn(seg.text)
    if len(text) != len(seg.text):
        return seg
    spans = [Span(s.start, s.end, s.label, text[s.start:s.end]) for s in seg.spans]
    if any(fn(s.value) != n.value for s, n in zip(seg.spans, spans, strict=True)):
        return seg
    return Seg(text, spans)


def prefix_lines(seg: Seg, prefix: str) -> Seg | None:
    """Prefix every line (e.g. '> ' for quoted replies). None if a span crosses a newline."""
    if any("\n" in s.value for s in seg.spans):
        return None
    out = Seg()
    lines = seg.text.split("\n")
    pos = 0
    spans = iter(sorted(seg.spans, key=lambda s: s.start))
    pending = next(spans, None)
    for i, line in enumerate(lines):
        if i:
            out.add("\n")
        shift = len(out.text) + len(prefix) - pos
        out.add(prefix + line)
        end = pos + len(line)
        while pending is not None and pending.start < end + 1:
            out.spans.append(Span(pending.start + shift, pending.end + shift, pending.label,
                                  pending.value))
            pending = next(spans, None)
        pos = end + 1
    return out


def compile_template(template: str) -> tuple[tuple[bool, str], ...]:
    """Split a template into (is_slot, text) parts."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in SLOT_RE.finditer(template):
        if m.start() > pos:
            parts.append((False, template[pos:m.start()]))
        parts.append((True, m.group(1)))
        pos = m.end()
    if pos < len(template):
        parts.append((False, template[pos:]))
    return tuple(parts)


def check(text: str, spans: list[Span], labels: set[str]) -> None:
    """Assert span integrity: in range, text equals inserted value, labels known, no overlap."""
    last_end = -1
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        assert 0 <= s.start < s.end <= len(text), f"span out of range: {s}"
        assert text[s.start:s.end] == s.value, f"span text {text[s.start:s.end]!r} != {s.value!r}"
        assert s.value == s.value.strip(), f"span has outer whitespace: {s.value!r}"
        assert s.label in labels, f"unknown label {s.label}"
        assert s.start >= last_end, f"overlapping span: {s}"
        last_end = s.end

"""JSON documents: find the string leaves to process, then process them in place.

A *slot* is ``(container, key)`` with a string at ``container[key]``; documents are
boxed in a one-item list so a bare top-level string has a container too. ``fields``
are dotted paths (``meta.notes``); a path passes through lists element by element.
A selected value that is an object or a list has all its string leaves processed;
any other non-string is left alone, and a missing path is simply nothing to do.

Under a key whose name is a *strong* hint (``password``, ``api_key``, ``ssn``) the
whole string is transformed as that class, because free-text detection cannot be
expected to recognise an arbitrary password.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from veil.detect._types import Label
from veil.io._hints import name_hint
from veil.io._job import Job, batched
from veil.io._report import FileReport

__all__ = ["process_documents"]

Slot = tuple[Any, Any]  # (dict or list, key or index)
TEXT_BATCH = 256


def process_documents(docs: list[Any], job: Job, report: FileReport) -> list[Any]:
    """Process the selected string leaves of ``docs``; the (transformed) documents."""
    boxes = [[doc] for doc in docs]
    slots = _unique(s for box in boxes for s in _select(box, job.fields))
    free = [s for s in slots if not _settled(s, job, report)]
    for group in batched(free, TEXT_BATCH):
        texts = job.texts([p[k] for p, k in group], report.counts)
        for (parent, key), text in zip(group, texts, strict=True):
            parent[key] = text
    return [box[0] for box in boxes]


def _select(box: list[Any], fields: tuple[str, ...] | None) -> Iterator[Slot]:
    if fields is None:
        yield from string_slots(box)
        return
    for path in fields:
        yield from _path_slots(box[0], path.split("."))


def _path_slots(node: Any, parts: Sequence[str]) -> Iterator[Slot]:
    if isinstance(node, list):
        for item in node:
            yield from _path_slots(item, parts)
    elif isinstance(node, dict) and parts[0] in node:
        if len(parts) > 1:
            yield from _path_slots(node[parts[0]], parts[1:])
        elif isinstance(node[parts[0]], str):
            yield node, parts[0]
        elif isinstance(node[parts[0]], dict | list):
            yield from string_slots(node[parts[0]])


def string_slots(root: dict[Any, Any] | list[Any]) -> Iterator[Slot]:
    """Every string leaf under ``root`` (iterative: deep documents cannot overflow)."""
    stack = [root]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, str):
                yield node, key
            elif isinstance(value, dict | list):
                stack.append(value)


def _unique(slots: Iterator[Slot]) -> list[Slot]:
    """Overlapping ``fields`` (``meta`` and ``meta.notes``) must not process a leaf twice."""
    seen: dict[tuple[int, Any], Slot] = {}
    for parent, key in slots:
        seen.setdefault((id(parent), key), (parent, key))
    return list(seen.values())


def _settled(slot: Slot, job: Job, report: FileReport) -> bool:
    """True when a leaf needs no free-text pass: it is blank, or a strong-hinted key's value."""
    parent, key = slot
    value: str = parent[key]
    report.chars += len(value)
    if not value.strip():
        return True
    label = _strong_label(key)
    if label is None:
        return False
    parent[key] = job.value(value, label, report.counts)
    return True


def _strong_label(key: Any) -> Label | None:
    hint = name_hint(key) if isinstance(key, str) else None
    return hint.label if hint is not None and hint.strong else None

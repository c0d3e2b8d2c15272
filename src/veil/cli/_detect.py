"""`veil detect`: the machine interface. JSONL {"id","text"} in, {"id","entities"} out.

Labels are the taxonomy of ../shared/eval/pii/labels.py, so any scorer in that
format can read the output. Output is written atomically: a malformed input
line aborts the run with its line number and leaves no partial file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veil.detect import Analyzer
from veil.errors import InputError
from veil.io._atomic import atomic_text

BATCH = 32


def read_docs(path: Path) -> Iterator[tuple[int, Any, str]]:
    """(line number, id, text) per non-empty line; InputError names the bad line."""
    try:
        with path.open("rb") as f:
            for lineno, raw in enumerate(f, 1):
                line = _decode(raw, path, lineno)
                if line.strip():
                    yield lineno, *_parse(line, path, lineno)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None


def _decode(raw: bytes, path: Path, lineno: int) -> str:
    """One line as UTF-8 (a BOM on the first line is dropped); errors name the line."""
    try:
        return raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 ({exc.reason})", file=str(path), line=lineno) from None


def _parse(line: str, path: Path, lineno: int) -> tuple[Any, str]:
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=str(path), line=lineno) from None
    if not isinstance(doc, dict) or "id" not in doc:
        raise InputError("expected an object with 'id'", file=str(path), line=lineno, field="id")
    if not isinstance(doc.get("text"), str):
        raise InputError("'text' must be a string", file=str(path), line=lineno, field="text")
    return doc["id"], doc["text"]


def detect_file(src: Path, dst: Path, analyzer: Analyzer) -> tuple[int, dict[str, int]]:
    """Write predictions for every document in ``src``; returns (docs, counts per label)."""
    counts: dict[str, int] = {}
    docs = 0
    with atomic_text(dst) as out:
        for batch in _batches(read_docs(src)):
            found = analyzer.analyze_batch([text for _, _, text in batch])
            for (_, doc_id, _), fs in zip(batch, found, strict=True):
                out.write(json.dumps({"id": doc_id, "entities": [f.as_dict() for f in fs]}) + "\n")
                for f in fs:
                    counts[f.label.value] = counts.get(f.label.value, 0) + 1
            docs += len(batch)
    return docs, counts


def _batches(docs: Iterator[tuple[int, Any, str]]) -> Iterator[list[tuple[int, Any, str]]]:
    batch: list[tuple[int, Any, str]] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch

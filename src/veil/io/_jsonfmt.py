"""JSON Lines (streamed in batches of records) and single JSON documents.

Parse errors name the file and line and keep the parser's reason, cut before any
quoted detail, so no part of the content reaches the message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from veil.errors import InputError
from veil.io._job import Job, batched
from veil.io._leaves import process_documents
from veil.io._report import FileReport
from veil.io._source import Source

__all__ = ["run_json", "run_jsonl"]

BATCH_RECORDS = 64
_BLANK = object()  # a blank line: kept as a blank line, not counted as a record


def run_jsonl(path: Path, out: BinaryIO | None, job: Job, report: FileReport) -> None:
    source = Source(path, job.encoding, job.advance)
    for batch in batched(enumerate(source.lines(), 1), BATCH_RECORDS):
        parsed = [_parse_line(path, n, line) for n, line in batch]
        records = [r for r in parsed if r is not _BLANK]
        done = iter(process_documents(records, job, report))
        report.records += len(records)
        if out is not None:
            out.write("".join(_dump_line(r, done) for r in parsed).encode("utf-8"))
        source.tick()
    source.tick()


def run_json(path: Path, out: BinaryIO | None, job: Job, report: FileReport) -> None:
    """One document, read whole (JSON has no record boundary to stream on)."""
    source = Source(path, job.encoding, job.advance)
    text = "".join(source.pieces())
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _not_json(path, exc, exc.lineno) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read", file=str(path)) from None
    [doc] = process_documents([doc], job, report)
    report.records = 1
    if out is not None:
        out.write(json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    source.tick()


def _parse_line(path: Path, line_no: int, line: str) -> Any:
    if not line.strip():
        return _BLANK
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise _not_json(path, exc, line_no) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read", file=str(path), line=line_no) from None


def _dump_line(record: Any, done: Iterator[Any]) -> str:
    if record is _BLANK:
        return "\n"
    return json.dumps(next(done), ensure_ascii=False) + "\n"


def _not_json(path: Path, exc: json.JSONDecodeError, line: int) -> InputError:
    # Some reasons quote the offending character ("Invalid \\escape: 'x'"): keep the words only.
    reason = exc.msg.split(":")[0]
    return InputError(
        f"not valid JSON: {reason} (column {exc.colno}); fix or remove this record",
        file=str(path),
        line=line,
    )

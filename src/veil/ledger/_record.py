"""Turning a finished run into a ledger event: data by content hash, names by keyed hash.

Used by the CLI (scan, redact, restore, forget) and available to any component:
``Recorder(ledger).run(Action.REDACT, report, ...)``. A run's files are hashed from
disk (SHA-256 of their bytes); their paths go in only as keyed hashes (HMAC under
the ledger-ref key), since a file name can itself be personal data.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import veil
from veil.ledger._event import Action, Artifact, Event, PolicyRef
from veil.ledger._ledger import Ledger, Receipt

__all__ = ["Recorder", "file_artifact", "sha256_file", "text_artifacts"]

_CHUNK = 1 << 20


def sha256_file(path: Path) -> tuple[str, int]:
    """Content hash and size of a file, read in chunks (files larger than memory)."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def file_artifact(path: Path, fmt: str | None, ledger: Ledger) -> Artifact:
    sha, size = sha256_file(path)
    return Artifact(sha256=sha, bytes=size, format=fmt, ref=ledger.keyed(str(path.resolve())))


class Recorder:
    """Builds and appends the events of CLI-level runs."""

    def __init__(self, ledger: Ledger, *, detectors: str | None = None) -> None:
        self.ledger = ledger
        self.engine = {"veil": veil.__version__, **({"detectors": detectors} if detectors else {})}

    def run(
        self,
        action: Action,
        report: Any,
        *,
        outputs: dict[str, Path] | None = None,
        policy: Any = None,
        **fields: Any,
    ) -> Receipt:
        """One event for a file run (``veil.io.Report``); ``outputs`` maps a report file's
        path to where its output really is (a temporary file before it is streamed)."""
        processed = [f for f in report.files if not f.skipped]
        inputs = [file_artifact(Path(f.path), f.format, self.ledger) for f in processed]
        outs = [
            file_artifact((outputs or {}).get(f.path, Path(f.output)), f.format, self.ledger)
            for f in processed
            if f.output
        ]
        counts = fields.pop("counts", None) or dict(report.totals)
        return self.append(
            action, inputs=inputs, outputs=outs, counts=counts, policy=policy, **fields
        )

    def text(
        self, action: Action, data_in: bytes, data_out: bytes | None, **fields: Any
    ) -> Receipt:
        """One event for piped text: content hashes of what came in and went out."""
        outs = [] if data_out is None else [_bytes_artifact(data_out)]
        return self.append(action, inputs=[_bytes_artifact(data_in)], outputs=outs, **fields)

    def append(self, action: Action, *, policy: Any = None, **fields: Any) -> Receipt:
        if policy is not None and not isinstance(policy, PolicyRef):
            policy = _policy_ref(policy)
        event = Event(
            action=action,
            engine=self.engine,
            run=uuid.uuid4().hex,
            policy=policy,
            **{k: v for k, v in fields.items() if v is not None},  # pydantic makes lists tuples
        )
        return self.ledger.append(event)


def text_artifacts(texts: Iterable[str]) -> list[Artifact]:
    """Texts by content hash (SHA-256 of their UTF-8 bytes): which texts, never what."""
    return [_bytes_artifact(t.encode()) for t in texts]


def _bytes_artifact(data: bytes) -> Artifact:
    return Artifact(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), format="text")


def _policy_ref(policy: Any) -> PolicyRef | None:
    if policy is None:
        return None
    return PolicyRef(id=policy.policy_id, hash=policy.content_hash, version=str(policy.version))

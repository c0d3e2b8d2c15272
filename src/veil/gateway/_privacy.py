"""The gateway's privacy worker: detection, pseudonyms and the vault on one thread.

The vault is an SQLite connection and the detector an ONNX session: both live on a
single dedicated worker thread (ONNX releases the GIL, so the event loop keeps
serving while a prompt is analysed). The event loop hands it whole requests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veil.gateway._restore import PLACEHOLDER, Mapping

__all__ = ["Outbound", "PrivacyWorker"]

CACHE_SIZE = 4096  # messages remembered per process (redacted text, never the original)


@dataclass(frozen=True, slots=True)
class Outbound:
    texts: list[str]
    counts: dict[str, int]
    mapping: Mapping


class PrivacyWorker:
    def __init__(self, policy: str, home: Path, *, patterns_only: bool = False) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="veil-privacy")
        self._redactor: Any = None
        self._seen: OrderedDict[tuple[str, bytes], tuple[str, dict[str, int]]] = OrderedDict()
        self._pool.submit(self._open, policy, home, patterns_only).result()

    def _open(self, policy: str, home: Path, patterns_only: bool) -> None:
        from veil._redactor import Redactor

        self._redactor = Redactor(policy, home=home, patterns_only=patterns_only)
        self._redactor.redact("warm up: Jane Doe, jane@example.com")  # load the model now

    @property
    def policy(self) -> Any:
        return self._redactor.policy

    @property
    def detectors(self) -> str:
        return str(self._redactor.detector_version)

    async def protect(self, texts: list[str], scope: str, *, whole_scope: bool = False) -> Outbound:
        """Pseudonymise ``texts``; the mapping covers their placeholders, or with
        ``whole_scope`` every placeholder of the conversation (a provider-stored history
        can quote earlier turns that this request does not carry)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._protect, texts, scope, whole_scope)

    def _protect(self, texts: list[str], scope: str, whole_scope: bool = False) -> Outbound:
        """Each turn of a chat re-sends the whole history: a message already pseudonymised
        in this scope is taken from a bounded cache (redacted text and counts only, keyed by
        a hash), so a turn costs detection on its new text, not on the conversation."""
        keys = [(scope, hashlib.sha256(t.encode()).digest()) for t in texts]
        fresh = [i for i, key in enumerate(keys) if key not in self._seen]
        if fresh:
            done = self._redactor.redact_batch([texts[i] for i in fresh], scope=scope)
            for i, r in zip(fresh, done, strict=True):
                self._remember(keys[i], (r.text, dict(r.counts)))
        counts: Counter[str] = Counter()
        out = []
        for key in keys:
            text, found = self._seen[key]
            self._seen.move_to_end(key)
            out.append(text)
            counts.update(found)
        return Outbound(out, dict(counts), self._mapping(out, scope, whole_scope))

    def _remember(self, key: tuple[str, bytes], value: tuple[str, dict[str, int]]) -> None:
        self._seen[key] = value
        if len(self._seen) > CACHE_SIZE:
            self._seen.popitem(last=False)

    def _mapping(self, texts: list[str], scope: str, whole_scope: bool = False) -> Mapping:
        """Placeholder -> value for every placeholder the model is shown in this request
        (and, with ``whole_scope``, every placeholder of the conversation's scope)."""
        mapping = Mapping()
        if not self._redactor.reversible:
            return mapping
        from veil.errors import RestoreError

        wanted = {m for t in texts for m in PLACEHOLDER.findall(t)}
        if whole_scope:
            wanted |= set(self._redactor.surrogates(scope))
        for placeholder in wanted:
            try:
                mapping.values[placeholder] = self._redactor.reveal(
                    placeholder, scope=scope
                ).reveal()
            except RestoreError:  # a placeholder the caller wrote itself: not ours to fill
                continue
        return mapping

    def close(self) -> None:
        if self._redactor is not None:
            self._pool.submit(self._redactor.close).result()
        self._pool.shutdown()

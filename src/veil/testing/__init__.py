"""Test helpers shipped with Veil, so users can test their own policies and pipelines.

Everything here is a *test double* or a checking helper, clearly named as such:

- ``FakeEngine``: a regex stand-in for the detection + transformation engine that the file
  adapters (``veil.io``) drive; fast and deterministic, not a detector.
- ``CANARIES`` and ``assert_no_canaries``: plant unique, valid-looking sensitive values and
  prove they appear nowhere they should not (logs, errors, reports, databases).
"""

from __future__ import annotations

from pathlib import Path

from veil.testing._fake_engine import FakeEngine

# Unique values that detectors recognise (valid Luhn card, valid IBAN) but that no real
# person or account has; grep for them anywhere a raw value must never land.
CANARIES: tuple[str, ...] = (
    "canary.x9q@example.org",
    "4111 1111 1111 1111",
    "GB82 WEST 1234 5698 7654 32",
    "Zyxwvut Canarynski",
)


def assert_no_canaries(*blobs: str | bytes | Path, canaries: tuple[str, ...] = CANARIES) -> None:
    """Fail if any canary occurs in any blob (text, bytes, or a file's bytes)."""
    for blob in blobs:
        data = blob.read_bytes() if isinstance(blob, Path) else blob
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        for canary in canaries:
            if canary.encode("utf-8") in raw:
                where = blob if isinstance(blob, Path) else "a checked text"
                raise AssertionError(f"a canary value leaked into {where}")


__all__ = ["CANARIES", "FakeEngine", "assert_no_canaries"]

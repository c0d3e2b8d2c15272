"""Ledger entries: canonical, typed, versioned JSON events.

An entry says who did what, why, under which policy and engine, to which data (by
content hash) and with what result (counts per data class, a decision and its
reasons). It never holds a raw sensitive value: data is named by SHA-256 of its
bytes, a data subject by a keyed hash (HMAC under the ledger's own key purpose).

The bytes that are hashed into the Merkle tree are the *canonical* JSON of the
event: UTF-8, keys sorted, no insignificant whitespace, absent fields omitted.
An auditor can re-derive them from the entry text alone.
"""

from __future__ import annotations

import functools
import getpass
import os
import socket
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from veil.errors import InputError

__all__ = ["SCHEMA_VERSION", "Action", "Artifact", "Event", "PolicyRef", "default_actor"]

SCHEMA_VERSION = 1
_HEX64 = r"^[0-9a-f]{64}$"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def default_actor() -> str:
    """Who acts: ``VEIL_ACTOR`` (a workload identity such as a SPIFFE ID) or user@host."""
    return os.environ.get("VEIL_ACTOR") or _login()


@functools.cache
def _login() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


class Action(StrEnum):
    SCAN = "scan"
    REDACT = "redact"
    RESTORE = "restore"
    ERASE = "erase"
    ACCESS = "access"
    KEY_CHALLENGE = "key_challenge"
    KEY_RELEASE = "key_release"
    KEY_MANAGE = "key_manage"
    MODEL_CALL = "model_call"
    POLICY_CHANGE = "policy_change"
    EXPORT = "export"
    DP_SPEND = "dp_spend"
    RISK_AUDIT = "risk_audit"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Artifact(_Strict):
    """Data by content: SHA-256 of its bytes, its size and format. ``ref`` is a keyed hash
    of its name or path (file names can be personal data), so two runs on one file link up."""

    sha256: str = Field(pattern=_HEX64)
    bytes: int | None = Field(default=None, ge=0)
    format: str | None = Field(default=None, max_length=32)
    ref: str | None = Field(default=None, pattern=_HEX64)


class PolicyRef(_Strict):
    id: str = Field(max_length=200)
    hash: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    version: str | None = Field(default=None, max_length=64)


class Event(_Strict):
    """One ledger entry. ``v`` is the schema version; fields left ``None`` are omitted."""

    v: int = SCHEMA_VERSION
    action: Action
    time: str = Field(default_factory=_now)
    actor: str = Field(default_factory=default_actor, max_length=200)
    purpose: str | None = Field(default=None, max_length=200)
    jurisdiction: str | None = Field(default=None, max_length=64)
    destination: str | None = Field(default=None, max_length=200)
    policy: PolicyRef | None = None
    engine: dict[str, str] = Field(default_factory=dict)
    inputs: tuple[Artifact, ...] = ()
    outputs: tuple[Artifact, ...] = ()
    counts: dict[str, int] = Field(default_factory=dict)
    decision: str | None = Field(default=None, pattern=r"^(allow|deny|error)$")
    reasons: tuple[str, ...] = ()
    attestation: str | None = Field(default=None, max_length=500)
    subject: str | None = Field(default=None, pattern=_HEX64)  # keyed hash, never the value
    run: str | None = Field(default=None, max_length=64)

    @field_validator("counts")
    @classmethod
    def _non_negative(cls, counts: dict[str, int]) -> dict[str, int]:
        if any(n < 0 for n in counts.values()):
            raise ValueError("counts are never negative")
        return counts

    def canonical(self) -> bytes:
        """The bytes hashed into the log: sorted keys, compact, UTF-8, no empty fields."""
        fields = self.model_dump(mode="json", exclude_none=True)  # nested None: gone here
        return canonical_json({k: v for k, v in fields.items() if v not in ([], {})})

    @classmethod
    def from_canonical(cls, body: bytes) -> Event:
        """Parse an entry's bytes; raises InputError when they are not a valid event."""
        try:
            return cls.model_validate_json(body)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:3])
            raise InputError(f"not a ledger event (fields: {fields})") from None


def canonical_json(obj: dict[str, Any]) -> bytes:
    """Deterministic JSON: keys sorted at every level, no whitespace, UTF-8 (not ASCII
    escapes). orjson: the encoding is most of an append's cost, and it is 5x the stdlib."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)

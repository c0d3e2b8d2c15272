"""Evidence bundles: entries + inclusion proofs + a signed checkpoint + the public key.

A bundle is one JSON document an auditor checks offline, with no database and no
trust in Veil: ``veil ledger verify-bundle FILE --key VKEY`` re-hashes each entry,
walks its inclusion proof up to the checkpoint's root (RFC 9162) and checks the
checkpoint's Ed25519 signature (C2SP signed note) under the pinned key.

    {"format": "veil-ledger-bundle/v1", "origin": ..., "key": "<vkey>",
     "checkpoint": "<signed note>", "tree_size": N, "root": "<base64>",
     "entries": [{"index": i, "entry": "<canonical JSON text>", "proof": ["<base64>", ...]}]}
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from veil.errors import InputError, LedgerTampered
from veil.ledger._event import Event
from veil.ledger._merkle import leaf_hash, verify_inclusion
from veil.ledger._note import Checkpoint, NoteVerifier, open_note

__all__ = ["FORMAT", "BundleReport", "make_bundle", "verify_bundle"]

FORMAT = "veil-ledger-bundle/v1"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    index: int = Field(ge=0)
    entry: str
    proof: list[str]


class _Bundle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: str
    origin: str
    key: str
    checkpoint: str
    tree_size: int = Field(ge=0)
    root: str
    entries: list[_Entry]


@dataclass(frozen=True, slots=True)
class BundleReport:
    origin: str
    size: int
    entries: int
    key: str
    key_pinned: bool  # False: checked only against the key the bundle itself carries


def make_bundle(
    vkey: str, note: str, cp: Checkpoint, items: Sequence[tuple[int, bytes, list[bytes]]]
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "origin": cp.origin,
        "key": vkey,
        "checkpoint": note,
        "tree_size": cp.size,
        "root": _b64(cp.root),
        "entries": [
            {"index": i, "entry": body.decode(), "proof": [_b64(h) for h in proof]}
            for i, body, proof in items
        ],
    }


def verify_bundle(raw: bytes | str, keys: Sequence[str] = ()) -> BundleReport:
    """Check a bundle offline; raises InputError (malformed) or LedgerTampered (fails)."""
    bundle = _parse(raw)
    pinned = bool(keys)
    try:
        verifiers = [NoteVerifier.from_vkey(k) for k in (keys or [bundle.key])]
    except (ValueError, LedgerTampered) as exc:
        raise InputError(f"unusable verifier key: {exc}") from None
    text, _ = open_note(bundle.checkpoint, verifiers)
    cp = Checkpoint.parse(text)
    if (cp.origin, cp.size, _b64(cp.root)) != (bundle.origin, bundle.tree_size, bundle.root):
        raise LedgerTampered("the bundle's origin, size or root differ from its signed checkpoint")
    for n, item in enumerate(bundle.entries):
        body = item.entry.encode()
        Event.from_canonical(body)  # an entry must be a well-formed event
        proof = [_unb64(h, f"entries[{n}].proof") for h in item.proof]
        try:
            verify_inclusion(leaf_hash(body), item.index, cp.size, proof, cp.root)
        except LedgerTampered:
            raise LedgerTampered(
                f"entry {item.index} (bundle entries[{n}]) is not in the signed log"
            ) from None
    return BundleReport(cp.origin, cp.size, len(bundle.entries), verifiers[0].name, pinned)


def _parse(raw: bytes | str) -> _Bundle:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"the bundle is not JSON: {exc.msg if hasattr(exc, 'msg') else exc}"
        ) from None
    try:
        bundle = _Bundle.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(map(str, err["loc"])) or "(top level)"
        raise InputError(f"malformed bundle: {err['msg']}", field=where) from None
    if bundle.format != FORMAT:
        raise InputError(
            f"unknown bundle format {bundle.format!r}; expected {FORMAT}", field="format"
        )
    return bundle


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("malformed bundle: not base64", field=where) from None

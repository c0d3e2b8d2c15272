"""A witness: a second party, with its own key, that cosigns the log's checkpoints.

A log's owner holds the log's signing key, so on its own a signed checkpoint only proves
what the owner says. A witness (another team, another machine, an auditor) remembers the
last checkpoint it cosigned for each log and cosigns a new one only if it extends that
one (a consistency proof, RFC 9162) — never a smaller log (rollback) and never another
root for the same size (fork). A checkpoint cosigned by a witness therefore commits the
owner in front of someone else: rewriting history means forking from what the witness
saw, which ``veil ledger verify --checkpoint NOTE --witness VKEY`` detects.

Cosignatures use C2SP tlog-cosignature (cosignature/v1, Ed25519). The witness key is
derived from the witness's own data directory (purpose ``ledger-witness``).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from veil.errors import LedgerTampered
from veil.home import resolve_home
from veil.ledger._merkle import verify_consistency
from veil.ledger._note import Checkpoint, CosignatureSigner, NoteVerifier, open_note

__all__ = ["Witness"]


class Witness:
    """Cosigns checkpoints of logs it can verify, remembering what it has cosigned."""

    def __init__(self, home: Path | str | None = None) -> None:
        from veil.keys import KeyRing

        self.home = resolve_home(home)
        keyring = KeyRing.open(self.home)
        name = f"veil.witness/{keyring.key_id}"
        self._signer = CosignatureSigner(name, keyring.signing_key("ledger-witness"))
        self._state = self.home / "witness.json"

    @property
    def vkey(self) -> str:
        return self._signer.vkey

    def cosign(self, note: str, log_key: str, proof: list[bytes] | None = None) -> str:
        """``note`` with this witness's cosignature added. ``proof`` is the consistency proof
        from the last size this witness cosigned for the log (none needed the first time)."""
        text, _ = open_note(note, [NoteVerifier.from_vkey(log_key)])
        cp = Checkpoint.parse(text)
        seen = self._seen().get(cp.origin)
        if seen is not None:
            self._extends(cp, int(seen["size"]), base64.b64decode(str(seen["root"])), proof or [])
        cosigned = note + self._signer.sign(text)
        self._remember(cp)
        return cosigned

    def _extends(self, cp: Checkpoint, size: int, root: bytes, proof: list[bytes]) -> None:
        if cp.size < size:
            raise LedgerTampered(f"rollback: this witness cosigned {size} entries, not {cp.size}")
        try:
            verify_consistency(size, cp.size, root, cp.root, proof)
        except LedgerTampered:
            raise LedgerTampered(
                f"the checkpoint of size {cp.size} does not extend the one of size {size} this "
                "witness cosigned (fork), or the consistency proof is missing or wrong"
            ) from None

    def _seen(self) -> dict[str, dict[str, int | str]]:
        if not self._state.exists():
            return {}
        data: dict[str, dict[str, int | str]] = json.loads(self._state.read_text("utf-8"))
        return data

    def _remember(self, cp: Checkpoint) -> None:
        from veil.io._atomic import atomic_text

        seen = self._seen()
        seen[cp.origin] = {"size": cp.size, "root": base64.b64encode(cp.root).decode()}
        with atomic_text(self._state) as fh:
            fh.write(json.dumps(seen, indent=1, sort_keys=True))

"""The tamper-evident ledger: every decision recorded, provable offline.

A transparency log in the style of Certificate Transparency and Sigstore: entries
are canonical JSON events (never raw values), hashed into an RFC 9162 Merkle tree;
each committed batch is covered by a C2SP signed-note checkpoint (Ed25519).

    with Ledger.open(home) as ledger:                  # HOME/ledger.db, or VEIL_LEDGER_URL
        receipt = ledger.append(Event(action=Action.SCAN, counts={"EMAIL": 3}))
        bundle = ledger.prove(receipt.index)           # entry + proof + checkpoint + key
    verify_bundle(json.dumps(bundle), [ledger.vkey])   # offline, no database
"""

from __future__ import annotations

from veil.ledger._bundle import BundleReport, verify_bundle
from veil.ledger._event import Action, Artifact, Event, PolicyRef
from veil.ledger._ledger import Ledger, Receipt
from veil.ledger._verify import VerifyReport, verify_log

__all__ = [
    "Action",
    "Artifact",
    "BundleReport",
    "Event",
    "Ledger",
    "PolicyRef",
    "Receipt",
    "VerifyReport",
    "verify_bundle",
    "verify_log",
]

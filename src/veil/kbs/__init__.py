"""The key broker: release data keys only to workloads that prove what they run.

:class:`KeyBroker` (challenge -> attest -> release, every step in the ledger),
:class:`ReleasePolicy` (fixed guards, then a Cedar policy, deny by default),
``create_app`` (``veil kbs serve``) and :func:`fetch_key` for the workload side.
"""

from __future__ import annotations

from veil.kbs._broker import Challenge, KeyBroker, Released, ReleaseRequest, report_data
from veil.kbs._client import fetch_key, simulated_evidence
from veil.kbs._policy import BrokerConfig, ReferenceValue, ReleasePolicy

__all__ = [
    "BrokerConfig",
    "Challenge",
    "KeyBroker",
    "ReferenceValue",
    "ReleasePolicy",
    "ReleaseRequest",
    "Released",
    "fetch_key",
    "report_data",
    "simulated_evidence",
]

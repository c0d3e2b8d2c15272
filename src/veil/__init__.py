"""Veil: zero-trust data processing for AI pipelines.

    import veil
    veil.redact("Mail jane.doe@example.com", policy="gdpr-strict")
    with veil.Redactor("llm-prompt") as r:          # reuse for batches
        out = r.redact(text)                         # .text, .findings, .counts
        back = r.restore(out.text).text.reveal()     # re-identify (needs the vault key)

Safe, high-level API here; raw key material only under ``veil.hazmat``.
"""

from __future__ import annotations

from veil import errors
from veil._redactor import Redaction, Redactor, Scanner, redact, scan
from veil.detect import Analyzer, Finding, Label
from veil.policy import Policy, load_policy

__version__ = "0.1.0"

__all__ = [
    "Analyzer",
    "Finding",
    "Label",
    "Policy",
    "Redaction",
    "Redactor",
    "Scanner",
    "__version__",
    "errors",
    "load_policy",
    "redact",
    "scan",
]

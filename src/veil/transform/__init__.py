"""Transformation: operators applied to findings, and the vault that makes pseudonyms reversible.

result = transform(text, findings, choose=lambda label: make_operator("redact"), ctx=ctx)
back = restore(result.text, vault, scope="default")
"""

from __future__ import annotations

from veil.transform._engine import (
    Change,
    RestoreResult,
    TransformResult,
    resolve_overlaps,
    restore,
    transform,
)
from veil.transform._operators import (
    OPERATORS,
    Operator,
    OperatorContext,
    fpe_decrypt,
    make_operator,
)
from veil.transform._vault import Vault, normalise

__all__ = [
    "OPERATORS",
    "Change",
    "Operator",
    "OperatorContext",
    "RestoreResult",
    "TransformResult",
    "Vault",
    "fpe_decrypt",
    "make_operator",
    "normalise",
    "resolve_overlaps",
    "restore",
    "transform",
]

"""Veil's one exception tree.

Callers branch on these classes; every user-facing message names the fix.
Verification, decryption and attestation failures stay terse and uniform so
they leak nothing about *why* they failed.

    VeilError
    ├── ConfigError            bad settings, data directory or missing extra
    │   ├── PolicyError        a policy file is invalid (file, line, field)
    │   └── MissingExtra       an optional dependency is not installed
    ├── InputError             unreadable file, wrong encoding, malformed record
    ├── DetectionError         a detector failed; nothing is released (fail closed)
    ├── TransformError         an operator could not transform a value
    ├── PolicyDenied           policy forbids the request
    ├── VaultError             the vault cannot store or return a mapping
    │   └── KeyMissing         the key file is absent or unreadable
    ├── RestoreError           a placeholder cannot be re-identified
    ├── LedgerTampered         evidence does not verify (later: ledger)
    ├── KeyReleaseRefused      a key broker refused release
    ├── AttestationFailed      TEE evidence does not verify (terse reason code)
    └── BudgetExhausted        a privacy budget is spent (later: dp)

No message ever contains a raw sensitive value: errors name files, lines,
fields, labels and counts, never the data.
"""

from __future__ import annotations

__all__ = [
    "AttestationFailed",
    "BudgetExhausted",
    "ConfigError",
    "DetectionError",
    "InputError",
    "KeyMissing",
    "KeyReleaseRefused",
    "LedgerTampered",
    "MissingExtra",
    "PolicyDenied",
    "PolicyError",
    "RestoreError",
    "TransformError",
    "VaultError",
    "VeilError",
]


class VeilError(Exception):
    """Base of every error Veil raises on purpose."""


class ConfigError(VeilError):
    """Settings, data directory or environment are wrong; the message says how to fix them."""


class _Located(VeilError):
    """An error that points at a place: file, line (1-based) and field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file, self.line, self.field = file, line, field
        where = ":".join(str(p) for p in (file, line) if p is not None)
        if field:
            where = f"{where} field '{field}'" if where else f"field '{field}'"
        self.reason = message
        super().__init__(f"{where}: {message}" if where else message)


class PolicyError(_Located, ConfigError):
    """A policy file is invalid: the message names file, line and field."""


class MissingExtra(ConfigError):
    """An optional dependency is missing."""

    def __init__(self, extra: str, what: str) -> None:
        self.extra = extra
        super().__init__(f"{what} needs the optional extra: pip install 'veil[{extra}]'")


class InputError(_Located):
    """Input cannot be read: unreadable file, wrong encoding, malformed record."""


class DetectionError(VeilError):
    """A detector failed. Callers must not release the data (fail closed)."""


class TransformError(VeilError):
    """An operator could not transform a value."""


class PolicyDenied(VeilError):
    """Policy forbids this request (deny by default)."""


class VaultError(VeilError):
    """The vault cannot store or return a mapping."""


class KeyMissing(VaultError):
    """A key file is absent, unreadable or has unsafe permissions."""


class RestoreError(VeilError):
    """A placeholder cannot be re-identified (unknown, mangled or erased)."""


class LedgerTampered(VeilError):
    """Evidence does not verify."""


class KeyReleaseRefused(VeilError):
    """A key broker refused to release a key."""


class AttestationFailed(VeilError):
    """TEE evidence does not verify.

    ``reason`` is one word from a fixed vocabulary (``malformed``, ``signature``,
    ``chain``, ``root``, ``expired``, ``binding``, ``collateral``, ``tcb``,
    ``platform``); the message is ``attestation refused: <reason>`` and never
    carries evidence bytes, so it is safe to log and return to a caller.
    """

    REASONS = frozenset(
        {
            "malformed",
            "signature",
            "chain",
            "root",
            "expired",
            "binding",
            "collateral",
            "tcb",
            "platform",
        }
    )

    def __init__(self, reason: str) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown attestation failure reason {reason!r}")
        self.reason = reason
        super().__init__(f"attestation refused: {reason}")


class BudgetExhausted(VeilError):
    """The privacy budget for this dataset is spent."""

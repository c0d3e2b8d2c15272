"""The operator table: which operators a policy may name and what each one takes.

The transform package implements the operators; this table is the contract
between the two. Parameters are validated when a policy loads, so a typo
fails before any data is touched, and defaults are filled in so the content
hash pins the exact behaviour.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from veil.detect._types import Label


class OperatorParams(BaseModel):
    """Base of every operator's parameters: strict types, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RedactParams(OperatorParams):
    """Replace the value with a fixed text; ``{label}`` names the data class."""

    template: str = Field(default="[{label}]", min_length=1)

    @field_validator("template")
    @classmethod
    def _only_label(cls, value: str) -> str:
        # A format string may reach attributes ("{label.__class__}"); allow the one name.
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        if names - {"label"}:
            raise ValueError("the template may only use {label}; write {{ or }} for a brace")
        return value


class MaskParams(OperatorParams):
    """Overwrite all but the last ``keep_last`` characters with ``char``."""

    # More than 8 visible characters would leave most identifiers readable.
    keep_last: int = Field(default=4, ge=0, le=8)
    char: str = Field(default="*", min_length=1, max_length=1)


class HashParams(OperatorParams):
    """Keyed HMAC-SHA256, hex, truncated to ``length`` characters."""

    # Below 8 hex characters collisions appear within a few thousand values.
    length: int = Field(default=12, ge=8, le=64)


class PseudonymParams(OperatorParams):
    """Consistent, reversible surrogate: ``<EMAIL_3>`` or a realistic fake."""

    style: Literal["placeholder", "fake"] = "placeholder"


class FpeParams(OperatorParams):
    """Format-preserving encryption (FF3-1) of the digits; no parameters."""


class GeneralizeParams(OperatorParams):
    """Coarsen a value: a date to its year or month, an age to a band, a code to a prefix."""

    to: Literal["year", "month", "band", "prefix"]
    width: int | None = Field(default=None, ge=1)
    top: int | None = Field(default=None, ge=1)
    keep: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _fill_defaults(self) -> GeneralizeParams:
        if self.to != "band" and (self.width is not None or self.top is not None):
            raise ValueError("width and top apply only to 'to: band'")
        if self.to != "prefix" and self.keep is not None:
            raise ValueError("keep applies only to 'to: prefix'")
        # Explicit defaults, so the content hash pins what the operator will do.
        if self.to == "band" and self.width is None:
            self.width = 10
        if self.to == "prefix" and self.keep is None:
            self.keep = 3
        return self


class DropParams(OperatorParams):
    """Remove the value and nothing else; no parameters."""


class KeepParams(OperatorParams):
    """Leave the value as it is (an explicit, recorded decision); no parameters."""


OPERATOR_PARAMS: Final[Mapping[str, type[OperatorParams]]] = MappingProxyType(
    {
        "redact": RedactParams,
        "mask": MaskParams,
        "hash": HashParams,
        "pseudonym": PseudonymParams,
        "fpe": FpeParams,
        "generalize": GeneralizeParams,
        "drop": DropParams,
        "keep": KeepParams,
    }
)

# FF3-1 encrypts a numeric domain; these classes have one (digits of cards,
# account numbers, ID numbers, phone numbers).
_FPE_LABELS: Final = frozenset({Label.CREDIT_CARD, Label.BANK_ACCOUNT, Label.ID, Label.PHONE})
_GENERALIZE_LABELS: Final[Mapping[str, frozenset[Label]]] = {
    "year": frozenset({Label.DATE}),
    "month": frozenset({Label.DATE}),
    "band": frozenset({Label.AGE, Label.QUANTITY}),
}


def incompatibility(operator: str, params: OperatorParams, label: Label) -> str | None:
    """Why ``operator`` cannot apply to ``label``, or None when it can."""
    if operator == "fpe" and label not in _FPE_LABELS:
        allowed = ", ".join(sorted(_FPE_LABELS))
        return f"fpe needs a numeric class ({allowed}), not {label}"
    if isinstance(params, GeneralizeParams) and params.to in _GENERALIZE_LABELS:
        allowed_labels = _GENERALIZE_LABELS[params.to]
        if label not in allowed_labels:
            allowed = ", ".join(sorted(allowed_labels))
            return f"generalize to {params.to} applies to {allowed}, not {label}"
    return None

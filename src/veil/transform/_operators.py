"""Operators: what happens to one detected value. A one-method Protocol and an explicit registry.

Built-in operators are frozen pydantic models, so a policy's parameters are
validated (types, ranges, unknown names) when the operator is built, never
half-way through a file. ``apply`` returns the replacement text, or None to
drop the span. Operators never put the value in an error message.

Reversibility: ``pseudonym`` restores through the vault, ``fpe`` through the
key (``fpe_decrypt``); the rest are one-way.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from veil._sensitive import Sensitive
from veil.detect._types import Finding, Label
from veil.errors import ConfigError, TransformError
from veil.keys import KeyRing
from veil.transform._generalize import code_prefix, date_part, number_band
from veil.transform._vault import Vault, normalise

__all__ = [
    "OPERATORS",
    "BuiltinOperator",
    "Operator",
    "OperatorContext",
    "fpe_decrypt",
    "make_operator",
]

_DIGITS = "0123456789"


@dataclass(frozen=True, slots=True)
class OperatorContext:
    """What keyed operators need: the key ring, the vault and the pseudonym scope."""

    keyring: KeyRing | None = None
    vault: Vault | None = None
    scope: str = "default"

    def need_keyring(self, operator: str) -> KeyRing:
        if self.keyring is None:
            raise ConfigError(f"operator '{operator}' needs a key: open a KeyRing for the --home")
        return self.keyring

    def need_vault(self, operator: str) -> Vault:
        if self.vault is None:
            raise ConfigError(f"operator '{operator}' needs the vault: open a Vault for the --home")
        return self.vault


@runtime_checkable
class Operator(Protocol):
    """One-method extension point: the replacement for ``value`` (None drops the span)."""

    name: ClassVar[str]

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str | None: ...


class BuiltinOperator(BaseModel):
    """Base of the built-in operators: frozen, and unknown parameters are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: ClassVar[str]

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str | None:
        raise NotImplementedError


class Redact(BuiltinOperator):
    """``[EMAIL]``: a format template whose one field is ``{label}`` (``{{`` for a brace)."""

    name: ClassVar[str] = "redact"
    template: str = Field(default="[{label}]", min_length=1)

    @field_validator("template")
    @classmethod
    def _only_label(cls, value: str) -> str:
        # A format string may reach attributes ("{label.__class__}"); allow the one plain name.
        fields = {(n, spec, conv) for _, n, spec, conv in string.Formatter().parse(value) if n}
        if fields - {("label", "", None)}:
            raise ValueError("the template may only use {label}; write {{ or }} for a brace")
        return value

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str:
        return _label_template(self.template, finding.label)


class Mask(BuiltinOperator):
    """``****-****-****-1234``: letters and digits masked, separators kept, last N shown.

    Never shows more than half of the letters and digits, so a short value
    (a 4-digit PIN under ``keep_last=4``) is masked entirely instead of shown.
    """

    name: ClassVar[str] = "mask"
    # More than 8 visible characters would leave most identifiers readable.
    keep_last: int = Field(default=4, ge=0, le=8)
    char: str = Field(default="*", min_length=1, max_length=1)

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str:
        positions = [i for i, c in enumerate(value) if c.isalnum()]
        shown = set(positions[len(positions) - min(self.keep_last, len(positions) // 2) :])
        return "".join(
            c if i in shown or not c.isalnum() else self.char for i, c in enumerate(value)
        )


class Hash(BuiltinOperator):
    """``EMAIL_3fa2c19e0b7d``: HMAC-SHA256 under the ``hash`` key, hex-truncated.

    The normalised value is hashed (``normalise``), so spelling variants join.
    ``length`` trades size for collisions: 12 hex chars (48 bits) stay unique
    up to roughly ten million distinct values; below 8, within a few thousand.
    """

    name: ClassVar[str] = "hash"
    length: int = Field(default=12, ge=8, le=64)

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str:
        mac = ctx.need_keyring(self.name).hmac("hash", normalise(value).encode())
        return f"{finding.label.value}_{mac.hex()[: self.length]}"


class Pseudonym(BuiltinOperator):
    """``<PERSON_7>`` (``placeholder``) or a same-format fake (``fake``), kept in the vault."""

    name: ClassVar[str] = "pseudonym"
    style: Literal["placeholder", "fake"] = "placeholder"

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str:
        vault = ctx.need_vault(self.name)
        return vault.pseudonym(value, finding.label.value, ctx.scope, style=self.style)


class Fpe(BuiltinOperator):
    """FF3-1 over the digits (cards, IDs, accounts); separators, letters and length kept.

    The tweak is derived from the label, so equal digits under two labels
    encrypt differently. FF3-1 needs 6 to 56 decimal digits (a domain of at
    least a million, NIST SP 800-38G Rev. 1); outside that, ``on_short``
    decides: ``redact`` (default: a stream never stops for one short ID, and
    nothing leaks) or ``error`` (TransformError, when reversibility is a must).
    """

    name: ClassVar[str] = "fpe"
    on_short: Literal["redact", "error"] = "redact"

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str:
        cipher = ctx.need_keyring(self.name).fpe(finding.label.value.encode())
        digits = "".join(c for c in value if c in _DIGITS)
        if cipher.minLen <= len(digits) <= cipher.maxLen:
            return _splice_digits(value, cipher.encrypt(digits))
        if self.on_short == "error":
            raise TransformError(
                f"fpe needs {cipher.minLen} to {cipher.maxLen} digits; this {finding.label.value} "
                f"has {len(digits)}: choose another operator for it, or on_short: redact"
            )
        return _label_template("[{label}]", finding.label)


class Generalize(BuiltinOperator):
    """Coarser values; anything it cannot parse with confidence is redacted instead.

    ``to``: ``year`` / ``month`` (a date → ``2004`` / ``2004-12``), ``band`` (a
    number → ``40-49`` of ``width``, ``90+`` from ``top``), ``prefix`` (a code
    with a digit, such as a postcode → its first ``keep`` characters + ``*``).
    """

    name: ClassVar[str] = "generalize"
    to: Literal["year", "month", "band", "prefix"]
    # None means the documented default; the policy layer fills these in before hashing.
    width: int | None = Field(default=None, ge=1)
    top: int | None = Field(default=None, ge=1)
    keep: int | None = Field(default=None, ge=1)

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str:
        out = self._coarsen(value)
        return out if out is not None else _label_template("[{label}]", finding.label)

    def _coarsen(self, value: str) -> str | None:
        if self.to == "band":
            return number_band(value, self.width or 10, self.top)
        if self.to == "prefix":
            return code_prefix(value, self.keep or 3)
        return date_part(value, self.to)


class Drop(BuiltinOperator):
    """Remove the span entirely."""

    name: ClassVar[str] = "drop"

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> None:
        return None


class Keep(BuiltinOperator):
    """Leave the value as is. No default ever resolves to this: a policy must name it."""

    name: ClassVar[str] = "keep"

    def apply(self, value: str, finding: Finding, ctx: OperatorContext) -> str:
        return value


OPERATORS: dict[str, type[BuiltinOperator]] = {
    op.name: op for op in (Redact, Mask, Hash, Pseudonym, Fpe, Generalize, Drop, Keep)
}


def make_operator(name: str, params: Mapping[str, object] | None = None) -> BuiltinOperator:
    """Build a registered operator from config data; ConfigError names the bad parameter."""
    cls = OPERATORS.get(name)
    if cls is None:
        raise ConfigError(f"unknown operator {name!r}; choose one of: {', '.join(OPERATORS)}")
    try:
        return cls.model_validate(dict(params or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or name}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"operator {name!r}: {problems}") from None


def fpe_decrypt(value: str, label: Label | str, keyring: KeyRing) -> Sensitive[str]:
    """Reverse ``fpe`` for a value it produced under ``label``."""
    cipher = keyring.fpe(Label(label).value.encode())
    digits = "".join(c for c in value if c in _DIGITS)
    if not cipher.minLen <= len(digits) <= cipher.maxLen:
        raise TransformError(f"not an fpe value: {len(digits)} digits")
    return Sensitive(_splice_digits(value, cipher.decrypt(digits)))


def _splice_digits(template: str, digits: str) -> str:
    """Put ``digits`` into the digit positions of ``template``, keeping everything else."""
    feed = iter(digits)
    return "".join(next(feed) if c in _DIGITS else c for c in template)


def _label_template(template: str, label: Label) -> str:
    # Templates are checked to hold only {label} (Redact._only_label), so format is safe.
    return template.format(label=label.value)

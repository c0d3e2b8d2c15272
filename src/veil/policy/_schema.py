"""The policy file schema (``veil: policy/v1``), as strict pydantic models.

Strict: ``version: "3"`` is an error, not a 3, because a policy says what it
means. Unknown keys are errors everywhere. Semantic checks that need the whole
document (coverage, operator parameters) live in ``_checks``.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from veil.detect._types import LABELS

from ._operators import OPERATOR_PARAMS

SCHEMA: Final = "policy/v1"
CATCH_ALL: Final = "*"
RULE_KEYS: Final = frozenset({"operator", "min_score"})

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]


def _suggest(word: str, choices: frozenset[str] | list[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _rule_key(key: str) -> str:
    if key == CATCH_ALL or key in LABELS:
        return key
    hint = _suggest(key.upper(), LABELS) or f"; known classes: {', '.join(sorted(LABELS))}"
    raise ValueError(f"unknown data class '{key}'{hint}")


RuleKey = Annotated[str, AfterValidator(_rule_key)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RuleSpec(_Model):
    """One rule: an operator and its parameters. ``EMAIL: redact`` is shorthand."""

    operator: str
    min_score: Score | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: object) -> object:
        # Humans write {operator: mask, keep_last: 4}; we keep params apart.
        if isinstance(data, str):
            return {"operator": data}
        if isinstance(data, dict):
            params = {k: v for k, v in data.items() if k not in RULE_KEYS}
            return {**{k: v for k, v in data.items() if k in RULE_KEYS}, "params": params}
        if isinstance(data, RuleSpec):
            return data
        raise ValueError("a rule is an operator name or a mapping with 'operator:'")

    @field_validator("operator")
    @classmethod
    def _known_operator(cls, value: str) -> str:
        if value not in OPERATOR_PARAMS:
            known = ", ".join(OPERATOR_PARAMS)
            raise ValueError(
                f"unknown operator '{value}'{_suggest(value, list(OPERATOR_PARAMS))}"
                f" (operators: {known})"
            )
        return value


Rules = Annotated[dict[RuleKey, RuleSpec], Field(min_length=1)]


class Defaults(_Model):
    """Settings that apply to every rule unless the rule says otherwise."""

    min_score: Score = 0.5


class When(_Model):
    """The context an override applies to; at least one of the two."""

    purpose: Identifier | None = None
    destination: Identifier | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> When:
        if self.purpose is None and self.destination is None:
            raise ValueError("an override needs 'purpose:', 'destination:' or both")
        return self


class Override(_Model):
    """Rules that replace the base rules in one context."""

    when: When
    rules: Rules


class PolicyTestCase(_Model):
    """A fixture: redacting ``input`` under the policy must give the expected output."""

    name: str = Field(min_length=1)
    input: str
    purpose: Identifier | None = None
    destination: Identifier | None = None
    expect: str | None = None
    expect_pattern: str | None = None
    expect_contains: list[str] = Field(default_factory=list)
    expect_not_contains: list[str] = Field(default_factory=list)

    @field_validator("expect_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc.msg}") from None
        return value

    @model_validator(mode="after")
    def _expects_something(self) -> PolicyTestCase:
        if (
            self.expect is None
            and self.expect_pattern is None
            and not (self.expect_contains or self.expect_not_contains)
        ):
            raise ValueError(
                "a test needs expect, expect_pattern, expect_contains or expect_not_contains"
            )
        return self


class PolicyDocument(_Model):
    """A whole policy file."""

    veil: str
    name: Identifier
    version: int = Field(ge=1)
    description: str = ""
    defaults: Defaults = Field(default_factory=Defaults)
    rules: Rules
    overrides: list[Override] = Field(default_factory=list)
    tests: list[PolicyTestCase] = Field(default_factory=list)

    @field_validator("veil")
    @classmethod
    def _schema_tag(cls, value: str) -> str:
        if value != SCHEMA:
            raise ValueError(f"unsupported schema '{value}'; this Veil reads 'veil: {SCHEMA}'")
        return value


# Where an unknown field was found -> which fields are allowed there (for the message).
FIELDS_AT: Final[dict[tuple[str, ...], type[BaseModel]]] = {
    (): PolicyDocument,
    ("defaults",): Defaults,
    ("overrides",): Override,
    ("overrides", "when"): When,
    ("tests",): PolicyTestCase,
}

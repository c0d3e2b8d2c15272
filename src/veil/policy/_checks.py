"""Whole-document checks, and turning every problem into one located message.

Pydantic checks shapes and types; these check meaning: operator parameters,
operators that cannot apply to a class, classes with no rule (fail closed),
ambiguous overrides and duplicate test names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from veil.detect._types import Label

from ._operators import OPERATOR_PARAMS, incompatibility
from ._schema import CATCH_ALL, FIELDS_AT, SCHEMA, PolicyDocument, RuleSpec

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a policy, at a pydantic-style location."""

    loc: Loc
    message: str


def validation_problems(
    exc: ValidationError, prefix: Loc = (), operator: str = ""
) -> list[Problem]:
    """Pydantic errors as problems; never quotes the offending input value."""
    return [
        Problem((*prefix, *err["loc"]), _message(err, (*prefix, *err["loc"]), operator))
        for err in exc.errors()
    ]


def _message(err: ErrorDetails, loc: Loc, operator: str) -> str:
    kind, name = err["type"], str(loc[-1]) if loc else ""
    if operator and kind in {"missing", "extra_forbidden"}:
        return _parameter_message(kind, name, operator)
    if kind == "extra_forbidden":
        model = FIELDS_AT.get(tuple(p for p in loc[:-1] if isinstance(p, str)))
        allowed = f"; allowed here: {', '.join(model.model_fields)}" if model else ""
        return f"unknown field '{name}'{allowed}"
    if kind == "too_short" and loc[0] == "overrides":
        return "an override needs at least one rule"
    friendly = _FRIENDLY.get((kind, name)) or _FRIENDLY.get((kind, ""))
    if friendly:
        return friendly.format(name=name)
    return err["msg"].removeprefix("Value error, ")


def _parameter_message(kind: str, name: str, operator: str) -> str:
    if kind == "missing":
        return f"operator '{operator}' needs parameter '{name}'"
    takes = ", ".join(OPERATOR_PARAMS[operator].model_fields) or "no parameters"
    return f"operator '{operator}' has no parameter '{name}'; it takes: {takes}"


# (pydantic error type, field name or "" for any) -> a message that names the fix.
_FRIENDLY: dict[tuple[str, str], str] = {
    ("missing", "veil"): f"missing schema tag; start the file with 'veil: {SCHEMA}'",
    ("missing", ""): "missing required field '{name}'",
    ("too_short", "rules"): "no rules: say what happens to each data class (add rules, or "
    "'\"*\": redact'); an empty rule set fails closed",
    ("string_pattern_mismatch", ""): "use lowercase letters, digits, '.', '_' and '-' "
    "(like gdpr-strict)",
}


def check_document(doc: PolicyDocument) -> list[Problem]:
    """Every semantic problem in a structurally valid document."""
    problems = list(_coverage(doc))
    for loc, rules in _rule_sets(doc):
        for key, spec in rules.items():
            problems.extend(_rule_problems((*loc, key), key, spec, rules))
    problems.extend(_duplicate_overrides(doc))
    problems.extend(_duplicate_test_names(doc))
    return problems


def with_filled_params(doc: PolicyDocument) -> PolicyDocument:
    """The document with every operator default written out (call after checks pass)."""

    def fill(rules: Mapping[str, RuleSpec]) -> dict[str, RuleSpec]:
        return {key: _filled(spec) for key, spec in rules.items()}

    overrides = [o.model_copy(update={"rules": fill(o.rules)}) for o in doc.overrides]
    return doc.model_copy(update={"rules": fill(doc.rules), "overrides": overrides})


def _filled(spec: RuleSpec) -> RuleSpec:
    params = OPERATOR_PARAMS[spec.operator].model_validate(spec.params)
    return spec.model_copy(update={"params": params.model_dump()})


def _rule_sets(doc: PolicyDocument) -> Iterator[tuple[Loc, dict[str, RuleSpec]]]:
    yield ("rules",), doc.rules
    for i, override in enumerate(doc.overrides):
        yield ("overrides", i, "rules"), override.rules


def _rule_problems(
    loc: Loc, key: str, spec: RuleSpec, scope: Mapping[str, RuleSpec]
) -> Iterator[Problem]:
    try:
        params = OPERATOR_PARAMS[spec.operator].model_validate(spec.params)
    except ValidationError as exc:
        yield from validation_problems(exc, loc, spec.operator)
        return
    # A catch-all applies to every class its rule set does not name.
    labels = [Label(key)] if key != CATCH_ALL else [lb for lb in Label if lb.value not in scope]
    reasons = {lb: r for lb in labels if (r := incompatibility(spec.operator, params, lb))}
    if reasons and key != CATCH_ALL:
        yield Problem(loc, next(iter(reasons.values())))
    elif reasons:
        names = ", ".join(reasons)
        yield Problem(
            loc,
            f"the catch-all would apply {spec.operator} to {names}, which it "
            "cannot transform; give them their own rules",
        )


def _coverage(doc: PolicyDocument) -> Iterator[Problem]:
    if CATCH_ALL in doc.rules:
        return
    missing = [label.value for label in Label if label.value not in doc.rules]
    if missing:
        yield Problem(
            ("rules",),
            f"no rule for {', '.join(missing)}; add rules for them or a "
            "catch-all '\"*\": redact' (an unmatched class fails closed)",
        )


def _duplicate_overrides(doc: PolicyDocument) -> Iterator[Problem]:
    first: dict[tuple[str | None, str | None], int] = {}
    for i, override in enumerate(doc.overrides):
        key = (override.when.purpose, override.when.destination)
        if key in first:
            yield Problem(
                ("overrides", i, "when"),
                f"same 'when' as overrides[{first[key]}]; merge their rules",
            )
        first.setdefault(key, i)


def _duplicate_test_names(doc: PolicyDocument) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for i, case in enumerate(doc.tests):
        if case.name in first:
            yield Problem(
                ("tests", i, "name"), f"duplicate test name (also tests[{first[case.name]}])"
            )
        first.setdefault(case.name, i)

"""docs/policy.md documents every schema field, operator and parameter (docs cannot drift)."""

from __future__ import annotations

from pathlib import Path

import pytest

from veil.policy import list_builtin_policies
from veil.policy._operators import OPERATOR_PARAMS
from veil.policy._schema import Defaults, Override, PolicyDocument, PolicyTestCase, When

DOC = (Path(__file__).parents[1] / "docs" / "policy.md").read_text(encoding="utf-8")

NAMES = sorted(
    {*OPERATOR_PARAMS, *list_builtin_policies()}
    | {f for op in OPERATOR_PARAMS.values() for f in op.model_fields}
    | {
        f
        for m in (PolicyDocument, Defaults, Override, When, PolicyTestCase)
        for f in m.model_fields
    }
)


@pytest.mark.parametrize("name", NAMES)
def test_documented(name: str) -> None:
    assert f"`{name}`" in DOC, f"docs/policy.md does not mention `{name}`"


def test_top_level_fields_have_a_row() -> None:
    for field in PolicyDocument.model_fields:
        assert f"| `{field}` |" in DOC

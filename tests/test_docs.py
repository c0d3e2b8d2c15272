"""The docs cannot drift from the code: CLI reference, taxonomy and builtin policies."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from veil.detect import Label
from veil.policy import list_builtin_policies

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
GENERATOR = ROOT / "scripts" / "gen_cli_docs.py"


def _generator() -> ModuleType:
    """scripts/gen_cli_docs.py, loaded by path: the test renders with the very same code."""
    spec = importlib.util.spec_from_file_location("gen_cli_docs", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current() -> None:
    expected = _generator().render()
    actual = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_cli_reference_covers_every_command() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for path in ("scan", "redact", "restore", "forget", "detect", "version", "policy test"):
        assert f"## `veil {path}`" in text


@pytest.mark.parametrize("label", [label.value for label in Label])
def test_label_in_taxonomy(label: str) -> None:
    text = (DOCS / "taxonomy.md").read_text(encoding="utf-8")
    assert f"`{label}`" in text, f"docs/taxonomy.md does not document `{label}`"


@pytest.mark.parametrize("name", list_builtin_policies())
def test_builtin_policy_in_policy_doc(name: str) -> None:
    text = (DOCS / "policy.md").read_text(encoding="utf-8")
    assert f"`{name}`" in text, f"docs/policy.md does not mention the builtin policy `{name}`"


def test_broker_settings_and_refusal_reasons_are_documented() -> None:
    from veil.kbs import BrokerConfig

    text = (DOCS / "keys.md").read_text(encoding="utf-8")
    for name in BrokerConfig.model_fields:
        assert f"`{name}`" in text, f"docs/keys.md does not document broker setting `{name}`"
    source = (ROOT / "src" / "veil" / "kbs").glob("*.py")
    import re

    reasons = {m for f in source for m in re.findall(r'_Refused\("([a-z-]+)', f.read_text())}
    reasons |= {"debug", "simulated", "measurement", "tcb", "region"}  # guards() returns these
    assert len(reasons) >= 10
    for reason in reasons:
        assert f"`{reason}" in text, f"docs/keys.md does not explain refusal `{reason}`"

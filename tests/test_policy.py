"""The policy layer: schema errors name file/line/field, hashing, precedence, builtins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import veil.policy
from veil.detect._types import Label
from veil.errors import ConfigError, PolicyError
from veil.policy import Policy, Rule, list_builtin_policies, load_policy

HERE = Path(__file__).parent / "policies"
BAD = HERE / "bad"
BAD_CASES: dict[str, dict[str, object]] = json.loads((BAD / "cases.json").read_text())

MINIMAL = """\
veil: policy/v1
name: minimal
version: 1
rules:
  EMAIL: redact
  "*": {operator: mask, keep_last: 2}
"""


def test_public_api_is_locked() -> None:
    assert veil.policy.__all__ == [
        "Policy",
        "PolicyTestResult",
        "Rule",
        "list_builtin_policies",
        "load_policy",
        "run_policy_tests",
    ]


# --- bad policies: every error names file, line and field -------------------------------


def test_every_bad_file_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_policy_is_located(name: str) -> None:
    case = BAD_CASES[name]
    with pytest.raises(PolicyError) as info:
        load_policy(BAD / name)
    err = info.value
    assert (err.file, err.line, err.field) == (str(BAD / name), case["line"], case["field"])
    assert str(case["message"]) in err.reason
    assert f"{BAD / name}:{err.line}" in str(err)


def test_policy_error_is_a_config_error() -> None:
    assert issubclass(PolicyError, ConfigError)


@pytest.mark.parametrize(
    "text",
    [
        'veil: policy/v1\nname: x\nversion: "CANARY-7731"\nrules: {"*": redact}\n',
        'veil: policy/v1\nname: x\nversion: 1\nrules: {"*": redact}\n'
        "tests: [{name: t, input: CANARY-7731 [unclosed}]\n",
        'veil: policy/v1\nname: x\nversion: 1\nrules: {"*": redact}\n'
        "tests: [{name: t, input: CANARY-7731, expect_pattern: '(CANARY-7731'}]\n",
    ],
)
def test_errors_never_quote_values(text: str) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(text, source="p.yaml")
    assert "CANARY-7731" not in str(info.value)


def test_unreadable_files_are_located(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read") as info:
        load_policy(tmp_path / "missing.yaml")
    assert info.value.file == str(tmp_path / "missing.yaml")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"veil: policy/v1\nname: caf\xe9\n")
    with pytest.raises(PolicyError, match="UTF-8") as info:
        load_policy(latin1)
    assert info.value.line == 2


def test_unknown_builtin_name_lists_the_builtins() -> None:
    with pytest.raises(ConfigError, match="gdpr-strict"):
        load_policy("no-such-policy")


# --- content hash ----------------------------------------------------------------------

SAME_MEANING = [
    MINIMAL,
    # keys reordered, flow style, comments, explicit defaults instead of shorthand
    """\
# a comment
rules: {"*": {keep_last: 2, char: "*", operator: mask}, EMAIL: {operator: redact,
        template: "[{label}]"}}
version: 1
name: minimal
description: ""
veil: policy/v1
defaults: {min_score: 0.5}
""",
]


def test_content_hash_ignores_layout() -> None:
    hashes = {Policy.from_yaml(text).content_hash for text in SAME_MEANING}
    assert len(hashes) == 1
    (digest,) = hashes
    assert digest.startswith("sha256:")
    assert len(digest) == len("sha256:") + 64


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("EMAIL: redact", "EMAIL: drop"),
        ("keep_last: 2", "keep_last: 3"),
        ("version: 1", "version: 2"),
    ],
)
def test_content_hash_changes_with_meaning(old: str, new: str) -> None:
    changed = MINIMAL.replace(old, new)
    assert changed != MINIMAL
    assert Policy.from_yaml(changed).content_hash != Policy.from_yaml(MINIMAL).content_hash


def test_identity() -> None:
    policy = Policy.from_yaml(MINIMAL, source="m.yaml")
    assert (policy.name, policy.version, policy.policy_id) == ("minimal", 1, "minimal@1")
    assert policy.source == "m.yaml"
    assert "minimal@1" in repr(policy)


# --- rules and precedence --------------------------------------------------------------


def test_shorthand_and_defaults_are_filled_in() -> None:
    policy = Policy.from_yaml(MINIMAL)
    assert policy.rule_for(Label.EMAIL) == Rule(
        Label.EMAIL, "redact", {"template": "[{label}]"}, 0.5, "rules.EMAIL"
    )
    phone = policy.rule_for("PHONE")
    assert (phone.operator, dict(phone.params), phone.source) == (
        "mask",
        {"keep_last": 2, "char": "*"},
        "rules.*",
    )
    assert hash(phone) == hash(policy.rule_for("PHONE"))


PRECEDENCE = [
    # purpose, destination, label -> operator, source
    (None, None, "PERSON", "pseudonym", "rules.PERSON"),
    (None, None, "PHONE", "redact", "rules.*"),
    (None, "external-llm", "PERSON", "drop", "overrides[0].rules.PERSON"),
    (None, "external-llm", "EMAIL", "mask", "rules.EMAIL"),
    ("analytics", None, "PERSON", "hash", "overrides[1].rules.PERSON"),
    ("analytics", None, "EMAIL", "keep", "overrides[1].rules.*"),
    ("analytics", "external-llm", "PERSON", "generalize", "overrides[2].rules.PERSON"),
    ("analytics", "external-llm", "PHONE", "keep", "overrides[1].rules.*"),
    ("analytics", "warehouse", "PERSON", "hash", "overrides[1].rules.PERSON"),
    ("support", "external-llm", "PHONE", "drop", "overrides[0].rules.PHONE"),
    ("support", "warehouse", "PERSON", "pseudonym", "rules.PERSON"),
]


@pytest.mark.parametrize(("purpose", "destination", "label", "operator", "source"), PRECEDENCE)
def test_override_precedence(
    purpose: str | None, destination: str | None, label: str, operator: str, source: str
) -> None:
    policy = load_policy(HERE / "precedence.yaml")
    rule = policy.rule_for(label, purpose=purpose, destination=destination)
    assert (rule.operator, rule.source, rule.label) == (operator, source, Label(label))
    bound = policy.bind(purpose=purpose, destination=destination)
    assert bound.rule_for(label) == rule


def test_explicit_context_beats_bound_context() -> None:
    bound = load_policy(HERE / "precedence.yaml").bind(purpose="analytics")
    assert bound.rule_for("PERSON").operator == "hash"
    assert bound.rule_for("PERSON", purpose="support").operator == "pseudonym"
    assert bound.purpose == "analytics"


def test_min_score_comes_from_the_winning_rule() -> None:
    policy = load_policy(HERE / "precedence.yaml")
    assert policy.min_score("EMAIL") == 0.9
    assert policy.min_score("PERSON") == 0.5
    assert policy.min_score("EMAIL", purpose="analytics") == 0.5


def test_unknown_label_fails_closed() -> None:
    with pytest.raises(PolicyError, match="unknown data class"):
        Policy.from_yaml(MINIMAL).rule_for("SHOE_SIZE")


# --- builtins --------------------------------------------------------------------------


def test_builtins_are_listed() -> None:
    assert list_builtin_policies() == ["gdpr-strict", "hipaa-safe-harbor", "llm-prompt", "pci"]


@pytest.mark.parametrize("name", list_builtin_policies())
def test_builtin_loads_and_covers_every_class(name: str) -> None:
    policy = load_policy(name)
    assert policy.policy_id == f"{name}@{policy.version}"
    assert policy.tests, "a builtin policy ships its own tests"
    contexts = [
        (None, None),
        ("analytics", None),
        ("tokenization", None),
        ("profile", None),
        (None, "local-model"),
        (None, "external-llm"),
    ]
    for purpose, destination in contexts:
        table = policy.rule_table(purpose=purpose, destination=destination)
        assert set(table) == set(Label)


@pytest.mark.parametrize("name", list_builtin_policies())
def test_credentials_are_never_kept_or_reversible(name: str) -> None:
    assert load_policy(name).rule_for("CREDENTIAL").operator in {"redact", "drop"}


def test_builtin_intent() -> None:
    gdpr, hipaa = load_policy("gdpr-strict"), load_policy("hipaa-safe-harbor")
    pci, llm = load_policy("pci"), load_policy("llm-prompt")
    assert gdpr.rule_for("MEDICAL").operator == gdpr.rule_for("DEMOGRAPHIC").operator == "redact"
    assert dict(gdpr.rule_for("DATE").params)["to"] == "year"
    assert dict(hipaa.rule_for("AGE").params) == {
        "to": "band",
        "width": 10,
        "top": 90,
        "keep": None,
    }
    assert dict(pci.rule_for("CREDIT_CARD").params) == {"keep_last": 4, "char": "*"}
    assert pci.rule_for("CREDIT_CARD", purpose="tokenization").operator == "fpe"
    assert {llm.rule_for(lb).operator for lb in ("PERSON", "EMAIL", "ID", "BANK_ACCOUNT")} == {
        "pseudonym"
    }
    assert llm.rule_for("DATE").operator == "keep"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("veil: policy/v1\nname: a\x07b\n", 2, "control characters"),
        ("rules: " + "[" * 3000, None, "nested too deeply"),
        ("veil: policy/v1\n---\nveil: policy/v1\n", 2, "invalid YAML"),
    ],
)
def test_hostile_yaml_is_a_policy_error(text: str, line: int | None, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        Policy.from_yaml(text, source="p.yaml")
    assert info.value.line == line


def test_load_policy_accepts_a_string_path() -> None:
    assert load_policy(str(HERE / "precedence.yaml")).name == "precedence"

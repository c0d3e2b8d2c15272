"""Policy tests: pass/fail, context binding, and messages that never echo the input."""

from __future__ import annotations

import re

from veil.errors import TransformError
from veil.policy import Policy, PolicyTestResult, run_policy_tests

CANARY = "canary.7731@example.com"

POLICY = Policy.from_yaml(
    f"""\
veil: policy/v1
name: runner
version: 1
rules:
  "*": redact
overrides:
  - when: {{purpose: analytics}}
    rules: {{EMAIL: drop}}
tests:
  - name: exact
    input: "Mail {CANARY} now"
    expect: "Mail [EMAIL] now"
  - name: pattern
    input: "Mail {CANARY} now"
    expect_pattern: 'Mail \\[EMAIL\\] now'
  - name: contains
    input: "Mail {CANARY} now"
    expect_contains: ["[EMAIL]"]
    expect_not_contains: ["{CANARY}"]
  - name: context
    purpose: analytics
    input: "Mail {CANARY} now"
    expect: "Mail  now"
"""
)

EMAIL = re.compile(r"\S+@\S+")


def fake_redact(text: str, policy: Policy) -> str:
    """A stand-in pipeline: emails only, operator from the policy."""
    rule = policy.rule_for("EMAIL")
    if rule.operator == "drop":
        return EMAIL.sub("", text)
    return EMAIL.sub(str(rule.params["template"]).format(label="EMAIL"), text)


def test_all_pass_with_a_correct_pipeline() -> None:
    results = run_policy_tests(POLICY, fake_redact)
    assert results == [
        PolicyTestResult(name, True, "") for name in ("exact", "pattern", "contains", "context")
    ]


def test_failures_never_echo_the_input() -> None:
    results = run_policy_tests(POLICY, lambda text, policy: text)  # leaks everything
    assert not any(r.passed for r in results)
    for result in results:
        assert CANARY not in result.message
        assert "canary" not in result.message
    exact = results[0].message
    assert "-Mail [EMAIL] now" in exact
    assert "+Mail [input] now" in exact
    assert "actual" not in results[2].message  # nothing says which words are safe to show
    assert "expect_not_contains[0] (value not shown)" in results[2].message


def test_partial_leak_is_hidden_in_the_diff() -> None:
    results = run_policy_tests(POLICY, lambda text, policy: text.replace("@example.com", ""))
    assert "+Mail [input] now" in results[0].message
    assert "canary" not in results[0].message


def test_errors_fail_the_test_not_the_run() -> None:
    def broken(text: str, policy: Policy) -> str:
        raise ValueError(text)  # a careless message carrying the input

    def refusing(text: str, policy: Policy) -> str:
        raise TransformError("operator redact failed for EMAIL")

    for redact, shown in ((broken, "ValueError"), (refusing, "TransformError: operator")):
        results = run_policy_tests(POLICY, redact)
        assert [r.passed for r in results] == [False] * 4
        assert all(shown in r.message and CANARY not in r.message for r in results)

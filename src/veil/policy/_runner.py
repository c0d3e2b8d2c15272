"""Run a policy's own tests: fixtures of input -> expected output.

Messages never echo a test's input. They may show outputs, which are already
transformed, but an output that failed may still carry raw input (that is
often why it failed), so words that appear in the input and nowhere in the
expectations are shown as ``[input]``, and forbidden strings as ``[leaked]``.
Outputs are shown only against ``expect`` or ``expect_pattern``, the
expectations that say which words are legitimate.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from veil.errors import VeilError

from ._policy import Policy
from ._schema import PolicyTestCase

Redact = Callable[[str, Policy], str]


@dataclass(frozen=True, slots=True)
class PolicyTestResult:
    """The outcome of one policy test; ``message`` explains a failure."""

    name: str
    passed: bool
    message: str = ""


def run_policy_tests(policy: Policy, redact: Redact) -> list[PolicyTestResult]:
    """Run every test in ``policy`` through ``redact(text, policy)``.

    A test with ``purpose``/``destination`` gets the policy bound to that
    context (``Policy.bind``), so ``redact`` needs no extra arguments.
    """
    return [_run(policy, case, redact) for case in policy.tests]


def _run(policy: Policy, case: PolicyTestCase, redact: Redact) -> PolicyTestResult:
    bound = policy.bind(purpose=case.purpose, destination=case.destination)
    try:
        output = redact(case.input, bound)
    except VeilError as exc:  # Veil's errors never carry raw values
        return PolicyTestResult(case.name, False, f"redact raised {type(exc).__name__}: {exc}")
    except Exception as exc:  # any other error fails this test, not the whole run
        # Only the type (and a missing module's name): other messages may quote data.
        missing = f" ({exc.name})" if isinstance(exc, ImportError) and exc.name else ""
        return PolicyTestResult(case.name, False, f"redact raised {type(exc).__name__}{missing}")
    failures = list(_failures(case, output))
    return PolicyTestResult(case.name, not failures, "\n".join(failures))


def _failures(case: PolicyTestCase, output: str) -> Iterator[str]:
    shown = _scrub(output, case)
    if case.expect is not None and output != case.expect:
        yield "output differs from expect:\n" + _diff(case.expect, shown)
    if case.expect_pattern is not None and not re.fullmatch(case.expect_pattern, output):
        yield (
            f"output does not match expect_pattern:\n  pattern: {case.expect_pattern}\n"
            f"  actual:  {shown}"
        )
    # Without expect or expect_pattern nothing tells context words from leaked
    # values, so these failures name the expectation and show no output.
    for i, wanted in enumerate(case.expect_contains):
        if wanted not in output:
            yield f"output lacks expect_contains[{i}] {wanted!r}"
    for i, banned in enumerate(case.expect_not_contains):
        if banned in output:
            yield f"output still contains expect_not_contains[{i}] (value not shown)"


def _diff(expected: str, shown: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(), shown.splitlines(), "expected", "actual", lineterm=""
    )
    return "\n".join(lines)


def _scrub(output: str, case: PolicyTestCase) -> str:
    """The output with raw input hidden: what a failure message may show."""
    for banned in case.expect_not_contains:
        if banned:
            output = output.replace(banned, "[leaked]")
    allowed = "\n".join([case.expect or "", case.expect_pattern or "", *case.expect_contains])
    return "".join(_hide(token, case.input, allowed) for token in re.split(r"(\s+)", output))


def _hide(token: str, text: str, allowed: str) -> str:
    """``[input]`` for a token copied from the input that no expectation mentions.

    A token that glues input to a replacement ("Doe,[CREDIT_CARD]") is not in the
    input as a whole, so its words are checked one by one. Whitespace is layout.
    """
    if token.isspace():
        return token
    core = token.strip(string.punctuation)  # "jane@example.com," leaks as much as without ","
    if core and core in text and core not in allowed:
        return "[input]"
    return _WORD.sub(lambda m: _hide_word(m.group(0), text, allowed), token)


def _hide_word(word: str, text: str, allowed: str) -> str:
    return "[input]" if word in text and word not in allowed else word


_WORD = re.compile(r"\w+")

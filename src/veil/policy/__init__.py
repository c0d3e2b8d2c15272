"""Policy as code: which operator applies to each data class, per purpose and destination.

A policy is a versioned YAML file (``veil: policy/v1``; see docs/policy.md),
validated strictly when it loads; errors name the file, line and field.
Unknown data classes, unknown operators, empty rule sets and classes without
a rule are errors: policies fail closed.
"""

from __future__ import annotations

from ._load import list_builtin_policies, load_policy
from ._policy import Policy, Rule
from ._runner import PolicyTestResult, run_policy_tests

__all__ = [
    "Policy",
    "PolicyTestResult",
    "Rule",
    "list_builtin_policies",
    "load_policy",
    "run_policy_tests",
]

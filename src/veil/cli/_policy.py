"""`veil policy ...`: list, show, validate and test policies (policy tests run in CI)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from veil.cli._common import console, errors_to_exit, out
from veil.policy import Policy, list_builtin_policies, load_policy, run_policy_tests

app = typer.Typer(help="Validate, inspect and test policies.", no_args_is_help=True)
PolicyArg = Annotated[list[str], typer.Argument(help="Builtin policy names or YAML files")]


@app.command("list")
def list_() -> None:
    """List the builtin policies."""
    for name in list_builtin_policies():
        policy = load_policy(name)
        out.print(f"{policy.policy_id:<28} {policy.content_hash[:19]}  {policy.description}")


@app.command("validate")
def validate(policies: PolicyArg) -> None:
    """Check policy files against the schema; errors name file, line and field."""
    with errors_to_exit():
        for ref in policies:
            policy = load_policy(ref)
            out.print(f"ok  {policy.policy_id}  {policy.content_hash}")


@app.command("show")
def show(
    policy: Annotated[str, typer.Argument(help="Builtin name or YAML file")],
    purpose: Annotated[str | None, typer.Option(help="Resolve for this purpose")] = None,
    destination: Annotated[str | None, typer.Option(help="Resolve for this destination")] = None,
) -> None:
    """Print the effective rule per data class (after overrides)."""
    with errors_to_exit():
        loaded = load_policy(policy)
        table = Table(title=f"{loaded.policy_id} {loaded.content_hash[:19]}", title_justify="left")
        for column in ("data class", "operator", "params", "min score", "from"):
            table.add_column(column)
        rules = loaded.rule_table(purpose=purpose, destination=destination)
        for label, rule in sorted(rules.items()):
            params = ", ".join(f"{k}={v}" for k, v in rule.params.items())
            table.add_row(label.value, rule.operator, params, f"{rule.min_score:.2f}", rule.source)
        out.print(table)


@app.command("test")
def test(policies: PolicyArg) -> None:
    """Run each policy's `tests:` fixtures through the real pipeline; non-zero exit on failure.

    Each test gets a fresh, temporary data directory, so pseudonym numbering starts
    at 1 and no test touches your real keys or vault.
    """

    failed = 0
    with errors_to_exit():
        for ref in policies:
            policy = load_policy(ref)

            for result in run_policy_tests(policy, isolated_redact):
                mark = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
                out.print(f"{mark}  {policy.policy_id}  {result.name}")
                if not result.passed:
                    failed += 1
                    console.print(result.message, highlight=False, markup=False)
    if failed:
        raise typer.Exit(1)


def isolated_redact(text: str, policy: Policy) -> str:
    """Redact in a throwaway data directory (fresh keys, empty vault)."""
    import tempfile

    from veil._redactor import Redactor

    with (
        tempfile.TemporaryDirectory(prefix="veil-policy-test-") as tmp,
        Redactor(policy, home=f"{tmp}/home") as redactor,
    ):
        return redactor.redact(text).text

"""The redaction pipeline: detect -> decide (policy) -> transform, over one text at a time.

``Redactor`` is the reusable object for batches; ``veil.redact`` is the one-call
form. Both fail closed: a detector or operator failure raises, and no partially
transformed text is returned.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from veil._sensitive import Sensitive
from veil.detect._analyzer import Analyzer
from veil.detect._types import Finding, Label
from veil.home import resolve_home
from veil.io._engine import TextOutcome
from veil.keys import KeyRing
from veil.ledger._event import Action
from veil.policy import Policy, load_policy

if TYPE_CHECKING:
    from veil.ledger import Ledger
from veil.transform import (
    Operator,
    OperatorContext,
    RestoreResult,
    TransformResult,
    Vault,
    make_operator,
    restore,
    transform,
)

_VAULT_OPERATORS = frozenset({"pseudonym"})


@cache
def default_analyzer(patterns_only: bool = False) -> Analyzer:
    """One shared analyzer per mode: loading the model costs ~0.3 s, so do it once."""
    return Analyzer.default(patterns_only=patterns_only)


@dataclass(frozen=True)
class Redaction:
    """A redacted text with what was done to it (offsets and labels, never values)."""

    text: str
    findings: tuple[Finding, ...]
    result: TransformResult

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.result.counts)


class Redactor:
    """Detects and transforms text under ``policy``; reuse one instance for many texts.

    ``scope`` partitions pseudonyms: the same value gets the same surrogate
    within a scope, across documents and runs, and never across scopes.
    """

    def __init__(
        self,
        policy: Policy | str,
        *,
        home: str | os.PathLike[str] | None = None,
        analyzer: Analyzer | None = None,
        purpose: str | None = None,
        destination: str | None = None,
        scope: str = "default",
        patterns_only: bool = False,
        ledger: Ledger | None = None,
    ) -> None:
        self.policy = policy if isinstance(policy, Policy) else load_policy(policy)
        self._ledger = ledger  # when given, every call is recorded before its result returns
        self._run = {"purpose": purpose, "destination": destination}
        self.home = resolve_home(home)
        rules = self.policy.rule_table(purpose=purpose, destination=destination)
        self._operators: dict[Label, Operator] = {
            label: make_operator(rule.operator, rule.params) for label, rule in rules.items()
        }
        base = analyzer or default_analyzer(patterns_only)
        self.analyzer = Analyzer(
            base.detectors,
            min_scores={label: rule.min_score for label, rule in rules.items()},
            labels=frozenset(label for label, rule in rules.items() if rule.operator != "keep"),
        )
        needs_vault = any(rule.operator in _VAULT_OPERATORS for rule in rules.values())
        self._ctx = self._context(scope, needs_vault)

    def _context(self, scope: str, needs_vault: bool) -> OperatorContext:
        keyring = KeyRing.open(self.home)
        vault = Vault.open(self.home, keyring) if needs_vault else None
        return OperatorContext(keyring=keyring, vault=vault, scope=scope)

    @property
    def detector_version(self) -> str:
        return self.analyzer.version

    def redact(self, text: str) -> Redaction:
        return self.redact_batch([text])[0]

    def redact_batch(self, texts: Sequence[str], *, scope: str | None = None) -> list[Redaction]:
        """Redact ``texts``; ``scope`` overrides this redactor's pseudonym scope for the call
        (the gateway scopes pseudonyms per caller and conversation)."""
        found = self.analyzer.analyze_batch(texts)
        ctx = self._ctx if scope is None else dataclasses.replace(self._ctx, scope=scope)
        with ctx.vault.batch() if ctx.vault is not None else contextlib.nullcontext():
            done = [self._apply(text, fs, ctx) for text, fs in zip(texts, found, strict=True)]
        if self._ledger is not None:  # fail closed: no record, no result
            counts: Counter[str] = Counter()
            for r in done:
                counts.update(r.counts)
            self._record("redact", texts, [r.text for r in done], dict(counts))
        return done

    def _record(
        self, action: str, before: Sequence[str], after: Sequence[str], counts: dict[str, int]
    ) -> None:
        from veil.ledger._record import Recorder, text_artifacts

        assert self._ledger is not None
        Recorder(self._ledger, detectors=self.detector_version).append(
            Action(action),
            inputs=text_artifacts(before),
            outputs=text_artifacts(after),
            counts=counts,
            policy=self.policy,
            **self._run,
        )

    def _apply(
        self, text: str, findings: list[Finding], ctx: OperatorContext | None = None
    ) -> Redaction:
        result = transform(text, findings, self._operators.__getitem__, ctx or self._ctx)
        return Redaction(result.text, tuple(findings), result)

    @property
    def reversible(self) -> bool:
        """Whether this policy keeps mappings in the vault (pseudonyms that restore)."""
        return self._ctx.vault is not None

    def surrogates(self, scope: str | None = None) -> list[str]:
        """The placeholder-style surrogates recorded in ``scope`` (safe to handle)."""
        return self._ctx.need_vault("list").surrogates(scope or self._ctx.scope)

    def reveal(self, surrogate: str, *, scope: str | None = None) -> Sensitive[str]:
        """The value behind one pseudonym of ``scope``; RestoreError when unknown."""
        return self._ctx.need_vault("reveal").reveal(surrogate, scope or self._ctx.scope)

    def restore(self, text: str, *, scope: str | None = None) -> RestoreResult:
        """Re-identify placeholders from this redactor's scope (needs the vault)."""
        result = restore(text, self._ctx.need_vault("restore"), scope or self._ctx.scope)
        if self._ledger is not None:
            counts = {"restored": result.restored, "unknown": result.unknown_count}
            self._record("restore", [text], [result.text.reveal()], counts)
        return result

    # -- the io.TextEngine protocol -------------------------------------------------
    def process(self, texts: list[str]) -> list[TextOutcome]:
        return [TextOutcome(r.text, Counter(r.counts)) for r in self.redact_batch(texts)]

    def process_value(self, value: str, label: Label) -> str | None:
        if not value.strip():
            return value
        whole = Finding(0, len(value), label, 1.0, "column", None)
        operator = self._operators[label]
        return operator.apply(value, whole, self._ctx)

    def find(self, texts: list[str]) -> list[list[Finding]]:
        return self.analyzer.analyze_batch(texts)

    def close(self) -> None:
        if self._ctx.vault is not None:
            self._ctx.vault.close()

    def __enter__(self) -> Redactor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Scanner:
    """Read-only io.TextEngine: findings and counts, no transformation, no keys."""

    def __init__(self, analyzer: Analyzer | None = None, *, patterns_only: bool = False) -> None:
        self.analyzer = analyzer or default_analyzer(patterns_only)

    def process(self, texts: list[str]) -> list[TextOutcome]:
        return [
            TextOutcome(None, Counter(f.label.value for f in fs))
            for fs in self.analyzer.analyze_batch(texts)
        ]

    def process_value(self, value: str, label: Label) -> str | None:
        return None

    def find(self, texts: list[str]) -> list[list[Finding]]:
        return self.analyzer.analyze_batch(texts)


def redact(
    text: str, *, policy: Policy | str, home: str | os.PathLike[str] | Path | None = None
) -> str:
    """Redact one text under ``policy`` (a builtin name, a YAML path or a Policy)."""
    with Redactor(policy, home=home) as redactor:
        return redactor.redact(text).text


def scan(text: str, *, patterns_only: bool = False) -> list[Finding]:
    """Findings in ``text`` (offsets, labels, scores, detectors; never values)."""
    return default_analyzer(patterns_only).analyze(text)

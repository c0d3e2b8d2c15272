"""A loaded policy: which rule applies to a data class, in which context.

Precedence, most specific first: an override whose ``when`` names both the
purpose and the destination, then one naming the purpose, then one naming the
destination, then the base rules. Within each of these tiers an exact class
beats the tier's ``"*"``. No rule at all is an error, never an allow.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from veil.detect._types import Label
from veil.errors import PolicyError

from ._parse import parse_document
from ._schema import CATCH_ALL, Override, PolicyDocument, PolicyTestCase, RuleSpec


@dataclass(frozen=True, slots=True)
class Rule:
    """What to do with one data class: ``operator`` with validated, defaulted ``params``.

    ``min_score`` is the confidence below which findings of this class are
    ignored; ``source`` says where in the policy the rule came from
    (``rules.EMAIL``, ``overrides[1].rules.*``) for explanations and the ledger.
    """

    label: Label
    operator: str
    params: Mapping[str, object]
    min_score: float
    source: str

    def __hash__(self) -> int:
        return hash((self.label, self.operator, tuple(sorted(self.params.items())), self.source))


_Tier = tuple[str, Mapping[str, RuleSpec]]  # (source prefix, rules)


class Policy:
    """A validated, versioned policy. Get one from ``load_policy`` or ``Policy.from_yaml``."""

    __slots__ = ("_cache", "_destination", "_doc", "_hash", "_purpose", "_source")

    def __init__(self, document: PolicyDocument, *, source: str = "<memory>") -> None:
        self._doc, self._source = document, source
        self._hash = "sha256:" + hashlib.sha256(canonical_json(document)).hexdigest()
        self._cache: dict[tuple[int, ...], Mapping[Label, Rule]] = {}
        self._purpose: str | None = None
        self._destination: str | None = None

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<string>") -> Policy:
        """Parse policy text; ``source`` is the file name errors will name."""
        return cls(parse_document(text, source), source=source)

    @property
    def name(self) -> str:
        return self._doc.name

    @property
    def version(self) -> int:
        return self._doc.version

    @property
    def description(self) -> str:
        return self._doc.description

    @property
    def content_hash(self) -> str:
        """``sha256:<hex>`` of the canonical JSON of the validated policy."""
        return self._hash

    @property
    def source(self) -> str:
        """The file the policy was loaded from (what errors name)."""
        return self._source

    @property
    def purpose(self) -> str | None:
        return self._purpose

    @property
    def destination(self) -> str | None:
        return self._destination

    @property
    def policy_id(self) -> str:
        return f"{self._doc.name}@{self._doc.version}"

    @property
    def tests(self) -> tuple[PolicyTestCase, ...]:
        return tuple(self._doc.tests)

    def bind(self, *, purpose: str | None = None, destination: str | None = None) -> Policy:
        """The same policy with a default context, for callers that only pass a policy."""
        bound = copy.copy(self)
        bound._purpose, bound._destination = purpose, destination
        return bound

    def rule_for(
        self, label: Label | str, *, purpose: str | None = None, destination: str | None = None
    ) -> Rule:
        """The rule for ``label`` in this context; PolicyError if none applies (fail closed)."""
        table = self.rule_table(purpose=purpose, destination=destination)
        try:
            return table[_as_label(label)]
        except KeyError:
            raise PolicyError(f"no rule for {label}", file=self._source, field="rules") from None

    def min_score(
        self, label: Label | str, *, purpose: str | None = None, destination: str | None = None
    ) -> float:
        """Findings of ``label`` scoring below this are ignored."""
        return self.rule_for(label, purpose=purpose, destination=destination).min_score

    def rule_table(
        self, *, purpose: str | None = None, destination: str | None = None
    ) -> Mapping[Label, Rule]:
        """Every data class's rule in this context (explicit arguments beat bind())."""
        purpose = self._purpose if purpose is None else purpose
        destination = self._destination if destination is None else destination
        matching = self._matching(purpose, destination)
        if matching not in self._cache:
            self._cache[matching] = self._resolve(matching)
        return self._cache[matching]

    def _matching(self, purpose: str | None, destination: str | None) -> tuple[int, ...]:
        """Indices of the overrides that apply, most specific first."""
        ranked = [
            (_specificity(o), i)
            for i, o in enumerate(self._doc.overrides)
            if o.when.purpose in (None, purpose) and o.when.destination in (None, destination)
        ]
        return tuple(i for _, i in sorted(ranked))

    def _resolve(self, matching: tuple[int, ...]) -> Mapping[Label, Rule]:
        tiers: list[_Tier] = [
            (f"overrides[{i}].rules", self._doc.overrides[i].rules) for i in matching
        ]
        tiers.append(("rules", self._doc.rules))
        table = {label: rule for label in Label if (rule := self._pick(label, tiers))}
        return MappingProxyType(table)

    def _pick(self, label: Label, tiers: list[_Tier]) -> Rule | None:
        for prefix, rules in tiers:
            for key in (label.value, CATCH_ALL):
                if key in rules:
                    return self._rule(label, rules[key], f"{prefix}.{key}")
        return None

    def _rule(self, label: Label, spec: RuleSpec, source: str) -> Rule:
        score = self._doc.defaults.min_score if spec.min_score is None else spec.min_score
        params = MappingProxyType(dict(spec.params))
        return Rule(label, spec.operator, params, score, source)

    def __repr__(self) -> str:
        return f"Policy({self.policy_id}, {self._hash[:19]}...)"


def canonical_json(document: PolicyDocument) -> bytes:
    """Key order and whitespace of the YAML do not matter; only the content does."""
    data = document.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _specificity(override: Override) -> int:
    """0 = purpose and destination, 1 = purpose only, 2 = destination only."""
    if override.when.purpose is not None:
        return 0 if override.when.destination is not None else 1
    return 2


def _as_label(label: Label | str) -> Label:
    try:
        return Label(label)
    except ValueError:
        raise PolicyError(f"unknown data class '{label}'", field="rules") from None

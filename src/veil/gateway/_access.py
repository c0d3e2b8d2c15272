"""Who may call which model where: every call is a Cedar authorisation decision.

Cedar (through ``cedarpy``) evaluates a pre-parsed policy set; deny by default: a
request is allowed only if some ``permit`` matches and no ``forbid`` does. The
principal is the caller (``Caller::"<id>"`` with its jurisdictions, purposes and
models), the resource the upstream model (``Model::"<upstream>/<model>"`` with its
jurisdiction and provider), the context the request's jurisdiction and purpose and
the data classes found in it. The default policy below enforces residency (an
upstream serves only its own jurisdiction, unless the request says ``any``) and the
caller's model and purpose lists; a deployment replaces it with its own file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veil._cedar import evaluation_errors
from veil.errors import ConfigError, MissingExtra
from veil.gateway._callers import Caller

__all__ = ["DEFAULT_POLICY", "AccessPolicy", "Decision"]

_CACHE_SIZE = 4096  # decisions remembered (a Cedar evaluation is ~70 us; a lookup ~1 us)

DEFAULT_POLICY = """
// Residency: a request in jurisdiction J reaches only upstreams in J ("any": no limit).
permit(principal, action == Action::"call", resource)
when {
  principal.jurisdictions.contains(context.jurisdiction) &&
  (resource.jurisdiction == context.jurisdiction || context.jurisdiction == "any") &&
  (principal.models.contains("*") || principal.models.contains(resource.model)) &&
  (principal.purposes.contains("*") || principal.purposes.contains(context.purpose))
};
"""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]  # ids of the policies that decided, or what was missing


class AccessPolicy:
    """A pre-parsed Cedar policy set and its hash (recorded with every decision)."""

    def __init__(self, text: str = DEFAULT_POLICY, source: str = "default") -> None:
        try:
            import cedarpy
        except ImportError:
            raise MissingExtra("gateway", "the gateway's access policy (Cedar)") from None
        import hashlib

        self._cedar = cedarpy
        self.source = source
        self._decided: dict[tuple[Any, ...], Decision] = {}
        self.hash = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        try:
            self._policies = cedarpy.PolicySet.from_str(text)
        except Exception as exc:  # cedarpy raises its own parse errors
            raise ConfigError(f"access policy {source} does not parse: {exc}") from None

    @classmethod
    def from_file(cls, path: Path) -> AccessPolicy:
        try:
            return cls(path.read_text("utf-8"), str(path))
        except OSError as exc:
            raise ConfigError(f"cannot read access policy {path}: {exc.strerror}") from None

    def decide(
        self,
        caller: Caller,
        *,
        upstream: str,
        upstream_jurisdiction: str,
        provider: str,
        model: str,
        jurisdiction: str,
        purpose: str,
        data_classes: Iterable[str] = (),
    ) -> Decision:
        key = (caller, upstream, upstream_jurisdiction, provider, model, jurisdiction, purpose,
               frozenset(data_classes))  # fmt: skip
        found = self._decided.get(key)
        if found is None:
            found = self._decide(key)
            if len(self._decided) >= _CACHE_SIZE:
                self._decided.pop(next(iter(self._decided)))  # oldest first (insertion order)
            self._decided[key] = found
        return found

    def _decide(self, key: tuple[Any, ...]) -> Decision:
        """One Cedar evaluation. Its inputs are the cache key: the policy set is fixed for
        this object's life, so equal inputs always get the same decision."""
        caller, upstream, upstream_jurisdiction, provider, model, jurisdiction, purpose = key[:7]
        data_classes = key[7]
        resource = f"{upstream}/{model}"
        entities: list[dict[str, Any]] = [
            {
                "uid": {"type": "Caller", "id": caller.id},
                "attrs": {
                    "name": caller.name,
                    "jurisdictions": list(caller.jurisdictions),
                    "purposes": list(caller.purposes),
                    "models": list(caller.models),
                },
                "parents": [],
            },
            {
                "uid": {"type": "Model", "id": resource},
                "attrs": {
                    "jurisdiction": upstream_jurisdiction,
                    "provider": provider,
                    "model": model,
                    "upstream": upstream,
                },
                "parents": [],
            },
        ]
        request = {
            "principal": {"type": "Caller", "id": caller.id},
            "action": {"type": "Action", "id": "call"},
            "resource": {"type": "Model", "id": resource},
            "context": {
                "jurisdiction": jurisdiction,
                "purpose": purpose,
                "data_classes": sorted(set(data_classes)),
            },
        }
        try:
            result = self._cedar.is_authorized(request, self._policies, entities)
        except Exception as exc:  # fail closed: an evaluation error is a deny
            return Decision(False, (f"policy evaluation failed: {type(exc).__name__}",))
        if evaluation_errors(result):
            # Cedar skips a policy whose evaluation errors: an erroring forbid would let the
            # call through. Any evaluation error is a deny here.
            return Decision(False, ("policy evaluation error",))
        reasons = tuple(str(r) for r in getattr(result.diagnostics, "reasons", []) or [])
        return Decision(
            bool(result.allowed),
            reasons or (("permit",) if result.allowed else ("no permit matched",)),
        )

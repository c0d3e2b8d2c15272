"""The privacy accountant: a budget per dataset, every spend a ledger entry.

A dataset's budget (ε, δ) and each mechanism run against it are ledger events,
so the budget survives across runs, processes and machines sharing a ledger,
and an auditor can recompute what was spent from the log alone. Composition
uses Google's ``dp-accounting`` (Rényi DP accountant): the ε reported here is
what that library computes for the same events (or, when smaller, basic
composition of the pure-DP Laplace part plus RDP for the rest), and DP-SGD is
accounted as Poisson-subsampled Gaussian steps, the analysis Opacus uses.

Mechanisms are recorded as small JSON objects (never data):

    {"zcdp": rho}                                  zero-concentrated DP, e.g. an AIM/MST run
    {"gaussian": sigma, "count": k}                k Gaussian queries, L2 sensitivity 1
    {"laplace": b, "count": k}                     k Laplace queries, L1 sensitivity 1
    {"dpsgd": {"q": q, "sigma": s}, "count": k}   k DP-SGD steps, sampling rate q
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from veil.errors import BudgetExhausted, ConfigError, MissingExtra
from veil.ledger import Action, Artifact, Event, Ledger

__all__ = ["Accountant", "Budget", "Mechanism", "epsilon_of"]

Mechanism = dict[str, Any]
_PREFIX = "dataset:"
# Opacus's default Rényi orders: with these, ε for DP-SGD matches Opacus's RDP accountant.
# Larger orders are added for tiny budgets (a small zCDP ρ is tightest at a large order);
# they never raise ε, and for DP-SGD's usual range the optimum sits among Opacus's orders.
ORDERS: tuple[float, ...] = tuple(
    [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64)) + [2.0**k for k in range(6, 17)]
)
MAX_DELTA = 1e-3  # beyond this, (ε, δ) stops meaning much: one in a thousand people exposed


@dataclass(frozen=True, slots=True)
class Budget:
    epsilon: float
    delta: float


def epsilon_of(mechanisms: Sequence[Mechanism], delta: float) -> float:
    """ε at ``delta`` of the composition of ``mechanisms`` (dp-accounting's RDP accountant)."""
    if not mechanisms:
        return 0.0
    # Two valid bounds, the smaller wins: Rényi composition of everything, or basic
    # composition of the pure-DP (Laplace) part plus Rényi composition of the rest. The
    # second is tighter for a handful of Laplace queries (RDP's conversion costs them ~24 %
    # at δ = 1e-9); the first for many Gaussian ones.
    pure = [m for m in mechanisms if "laplace" in m]
    rest = [m for m in mechanisms if "laplace" not in m]
    basic = sum(int(m.get("count", 1)) / _positive(m["laplace"], "laplace") for m in pure)
    return min(_rdp_epsilon(mechanisms, delta), basic + _rdp_epsilon(rest, delta))


def _rdp_epsilon(mechanisms: Sequence[Mechanism], delta: float) -> float:
    if not mechanisms:
        return 0.0
    try:
        from dp_accounting.rdp import RdpAccountant
    except ImportError:
        raise MissingExtra("dp", "privacy accounting") from None
    accountant = RdpAccountant(orders=list(ORDERS))
    for mechanism in mechanisms:
        event, count = _event(mechanism)
        accountant.compose(event, count)
    return float(accountant.get_epsilon(delta))


def _event(mechanism: Mechanism) -> tuple[Any, int]:
    from dp_accounting import dp_event

    count = int(mechanism.get("count", 1))
    if count < 1:
        raise ConfigError("a mechanism's count is at least 1")
    if "zcdp" in mechanism:
        return dp_event.ZCDpEvent(_positive(mechanism["zcdp"], "zcdp")), count
    if "gaussian" in mechanism:
        return dp_event.GaussianDpEvent(_positive(mechanism["gaussian"], "gaussian")), count
    if "laplace" in mechanism:
        # A pure ε-DP mechanism is (ε²/2)-zCDP (Bun & Steinke 2016, Prop. 1.4), whatever its
        # noise (OpenDP's counts use *discrete* Laplace, whose RDP is not the continuous one's).
        epsilon = 1.0 / _positive(mechanism["laplace"], "laplace")
        return dp_event.ZCDpEvent(epsilon * epsilon / 2), count
    if "dpsgd" in mechanism:
        q, sigma = float(mechanism["dpsgd"]["q"]), _positive(mechanism["dpsgd"]["sigma"], "sigma")
        if not 0 < q <= 1:
            raise ConfigError("a DP-SGD sampling rate q lies in (0, 1]")
        return dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), count
    raise ConfigError(f"unknown mechanism {sorted(mechanism)}: use zcdp, gaussian, laplace, dpsgd")


def _positive(value: Any, name: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ConfigError(f"{name} must be a positive number")
    return number


class Accountant:
    """The budget of one dataset (by id), kept in the ledger at ``home``."""

    def __init__(self, ledger: Ledger, dataset: str) -> None:
        if not dataset or len(dataset) > 150:
            raise ConfigError("a dataset id is 1-150 characters (e.g. the table's name)")
        self._ledger, self.dataset = ledger, dataset

    @classmethod
    @contextlib.contextmanager
    def open(cls, home: Path, dataset: str) -> Iterator[Accountant]:
        with Ledger.open(home) as ledger:
            yield cls(ledger, dataset)

    def budget(self) -> Budget | None:
        """The latest budget set for this dataset, or None (then nothing may be spent)."""
        found = None
        for event in self._events():
            if event.action == Action.POLICY_CHANGE and "dp_budget" in event.engine:
                raw = json.loads(event.engine["dp_budget"])
                found = Budget(float(raw["epsilon"]), float(raw["delta"]))
        return found

    def set_budget(self, epsilon: float, delta: float) -> Budget:
        """Set the dataset's total budget. Lowering is always allowed; raising is recorded."""
        _check_budget(epsilon, delta)
        with self._exclusive():
            previous = self.budget()
            raised = previous and (epsilon > previous.epsilon or delta > previous.delta)
            reason = "dp-budget-raise" if raised else "dp-budget"
            payload = json.dumps({"epsilon": epsilon, "delta": delta})
            self._append(Action.POLICY_CHANGE, reason, {"dp_budget": payload})
        return Budget(epsilon, delta)

    def spends(self) -> list[Mechanism]:
        """Every mechanism charged to this dataset so far, oldest first."""
        out: list[Mechanism] = []
        for event in self._events():
            if event.action == Action.DP_SPEND and event.decision == "allow":
                out.extend(json.loads(event.engine["dp"]))
        return out

    def spent(self, delta: float | None = None) -> float:
        """ε spent so far, at ``delta`` (default: the budget's δ)."""
        budget = self.budget()
        at = delta if delta is not None else (budget.delta if budget else 1e-9)
        return epsilon_of(self.spends(), at)

    def charge(
        self, mechanisms: Sequence[Mechanism], *, purpose: str, table_sha256: str | None = None
    ) -> float:
        """Record ``mechanisms`` against the budget before they run; return the new total ε.

        Refuses (BudgetExhausted, recorded as a denial) when the budget is unset or the
        composition would exceed it. Held under a file lock beside the ledger: two runs
        cannot both pass. ``table_sha256`` ties the spend to the data's content: the same
        content already charged under another dataset id is refused (a copy under a new
        name does not get a fresh budget)."""
        with self._exclusive():
            if table_sha256 is not None:
                self._check_content(table_sha256)
            budget = self.budget()
            if budget is None:
                raise ConfigError(
                    f"no privacy budget for dataset {self.dataset!r}: set one with "
                    f"veil dp budget set {self.dataset} --epsilon E --delta D"
                )
            total = epsilon_of([*self.spends(), *mechanisms], budget.delta)
            payload = json.dumps(list(mechanisms))
            inputs = (Artifact(sha256=table_sha256),) if table_sha256 else ()
            if total > budget.epsilon + 1e-12:
                self._append(
                    Action.DP_SPEND, purpose, {"dp": payload}, decision="deny", inputs=inputs
                )
                spent = epsilon_of(self.spends(), budget.delta)
                raise BudgetExhausted(
                    f"dataset {self.dataset!r}: this run needs ε={total - spent:.4g} more, "
                    f"{budget.epsilon - spent:.4g} of {budget.epsilon:g} is left"
                )
            self._append(Action.DP_SPEND, purpose, {"dp": payload}, inputs=inputs)
        return total

    # -- internals ---------------------------------------------------------------------------

    def _events(self, *, any_dataset: bool = False) -> Iterator[Event]:
        target = _PREFIX + self.dataset
        for row in self._ledger.store.entries():
            if row.action not in {Action.DP_SPEND.value, Action.POLICY_CHANGE.value}:
                continue
            event = Event.from_canonical(row.body)
            if event.destination == target or (
                any_dataset and (event.destination or "").startswith(_PREFIX)
            ):
                yield event

    def _check_content(self, sha256: str) -> None:
        for event in self._events(any_dataset=True):
            if event.action != Action.DP_SPEND or event.destination == _PREFIX + self.dataset:
                continue
            if any(a.sha256 == sha256 for a in event.inputs):
                other = (event.destination or "")[len(_PREFIX) :]
                raise ConfigError(
                    f"this table's content has already been charged to dataset {other!r}: "
                    f"pass --dataset {other} (a copy under a new name shares its budget)"
                )

    def _append(
        self,
        action: Action,
        reason: str,
        engine: dict[str, str],
        *,
        decision: str = "allow",
        inputs: tuple[Artifact, ...] = (),
    ) -> None:
        self._ledger.append(
            Event(
                action=action,
                purpose="differential-privacy",
                destination=_PREFIX + self.dataset,
                decision=decision,
                reasons=(reason,),
                engine=engine,
                inputs=inputs,
            )
        )

    def _exclusive(self) -> contextlib.AbstractContextManager[None]:
        """The ledger store's own named lock: a file beside a SQLite ledger, an advisory lock
        in a PostgreSQL one, so every process and host charging this ledger takes turns."""
        return cast(contextlib.AbstractContextManager[None], self._ledger.store.exclusive("dp"))


def _check_budget(epsilon: float, delta: float) -> None:
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ConfigError("ε must be a positive number")
    if not 0 <= delta <= MAX_DELTA:
        raise ConfigError(f"δ must lie in [0, {MAX_DELTA:g}], e.g. 1e-9 (well below 1/rows)")

"""``veil dp query``: DP counts, sums, means and histograms through OpenDP.

Each query is an OpenDP measurement (transformations then the Laplace mechanism),
built so that its privacy map gives exactly the requested ε for one row added or
removed; the noise scale is found by OpenDP's own binary search over that map. The
accountant records each as ``{"laplace": scale / sensitivity}``. Bounds and
categories are declared by the caller, never read off the data. OpenDP marks these
constructors "contrib" (not yet vetted by its committee): enabling them is this
module's explicit, documented choice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veil.dp._accountant import Mechanism
from veil.errors import ConfigError, InputError, MissingExtra

__all__ = ["QueryPlan", "plan_query"]

KINDS = ("count", "sum", "mean", "histogram")


@dataclass
class QueryPlan:
    """A query in three steps: ``load`` reads and checks the data (nothing released),
    the caller charges ``mechanisms`` to the budget, ``release`` adds the noise."""

    kind: str
    column: str | None
    mechanisms: list[Mechanism]
    load: Callable[[Path], list[Any]]
    release: Callable[[list[Any]], dict[str, Any]]


def plan_query(
    kind: str,
    column: str | None,
    *,
    epsilon: float,
    bounds: tuple[float, float] | None = None,
    categories: Sequence[str] | None = None,
) -> QueryPlan:
    """Validate the request and build its measurements (no data touched yet)."""
    dp = _opendp()
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ConfigError("--epsilon must be a positive number")
    if kind not in KINDS:
        raise ConfigError(f"unknown query {kind!r}: use one of {', '.join(KINDS)}")
    if kind != "count" and not column:
        raise ConfigError(f"a {kind} needs --column")
    if kind == "count":
        meas = _count(dp, epsilon)
        return QueryPlan(
            kind, column, [_laplace(meas)], lambda p: _rows(p, column), lambda v: _one(meas, v)
        )
    if kind == "histogram":
        if not categories or len(set(categories)) != len(categories):
            raise ConfigError("a histogram needs distinct --categories a,b,c (declared)")
        return _histogram(dp, column or "", list(categories), epsilon)
    low, high = _bounds(bounds, kind)
    if kind == "sum":
        meas = _sum(dp, low, high, epsilon)
        name = column or ""
        return QueryPlan(
            kind,
            column,
            [_laplace(meas)],
            lambda p: list(_numbers(p, name, low, high)),
            lambda v: _one(meas, v),
        )
    return _mean(dp, column or "", low, high, epsilon)


def _search(dp: Any, make: Callable[[float], Any], epsilon: float) -> Any:
    """OpenDP's binary search for the scale giving exactly ``epsilon``; its failures (absurd
    bounds, overflow) are settings errors, not crashes."""
    try:
        return dp.binary_search_chain(make, d_in=1, d_out=epsilon)
    except Exception as exc:  # OpenDPException and friends
        raise ConfigError(
            f"OpenDP cannot build this query ({type(exc).__name__}): check --bounds and --epsilon"
        ) from None


def _opendp() -> Any:
    try:
        import opendp.prelude as dp
    except ImportError:
        raise MissingExtra("dp", "DP queries (OpenDP)") from None
    dp.enable_features("contrib")
    return dp


def _count(dp: Any, epsilon: float) -> Any:
    space = (dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance())
    return _search(dp, lambda s: space >> dp.t.then_count() >> dp.m.then_laplace(scale=s), epsilon)


def _sum(dp: Any, low: float, high: float, epsilon: float) -> Any:
    space = (dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance())
    try:
        chain = space >> dp.t.then_clamp((low, high)) >> dp.t.then_sum()
    except Exception as exc:  # OpenDP refuses bounds whose sums could overflow
        raise ConfigError(f"OpenDP refuses these --bounds ({type(exc).__name__})") from None
    return _search(dp, lambda s: chain >> dp.m.then_laplace(scale=s), epsilon)


def _mean(dp: Any, column: str, low: float, high: float, epsilon: float) -> QueryPlan:
    """A noisy sum over a noisy count, ε split evenly (post-processing needs no more)."""
    total, count = _sum(dp, low, high, epsilon / 2), _count(dp, epsilon / 2)

    def release(values: list[Any]) -> dict[str, Any]:
        noisy_sum, noisy_count = total(values), count([""] * len(values))
        mean = min(high, max(low, noisy_sum / max(noisy_count, 1.0)))
        return {"value": mean, "noisy_sum": noisy_sum, "noisy_count": max(0.0, noisy_count)}

    def load(path: Path) -> list[Any]:
        return _numbers(path, column, low, high)

    return QueryPlan("mean", column, [_laplace(total), _laplace(count)], load, release)


def _histogram(dp: Any, column: str, categories: list[str], epsilon: float) -> QueryPlan:
    space = (dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance())
    chain = space >> dp.t.then_count_by_categories(categories=categories)
    meas = _search(dp, lambda s: chain >> dp.m.then_laplace(scale=s), epsilon)

    def release(values: list[Any]) -> dict[str, Any]:
        noisy = meas(values)
        labels = [*categories, "(other)"]  # OpenDP counts values outside the list last
        return {"value": {k: max(0.0, float(v)) for k, v in zip(labels, noisy, strict=True)}}

    def load(path: Path) -> list[Any]:
        return _rows(path, column)

    return QueryPlan("histogram", column, [_laplace(meas)], load, release)


def _laplace(meas: Any) -> Mechanism:
    """The accountant's record: the Laplace scale per unit of sensitivity, which is 1/ε of
    the measurement's own privacy map (OpenDP has already folded the sensitivity in)."""
    return {"laplace": 1.0 / float(meas.map(1))}


def _one(meas: Any, values: list[Any]) -> dict[str, Any]:
    return {"value": float(meas(values))}


def _bounds(bounds: tuple[float, float] | None, kind: str) -> tuple[float, float]:
    if bounds is None:
        raise ConfigError(f"a {kind} needs --bounds LOW,HIGH (declared, not read off the data)")
    low, high = bounds
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ConfigError("--bounds needs finite LOW < HIGH")
    return float(low), float(high)


def _rows(path: Path, column: str | None) -> list[Any]:
    table = _table(path, column)
    if column is None:
        return [""] * table.num_rows
    try:
        return [str(v) for v in table.column(column).cast("string").to_pylist()]
    except Exception:  # pyarrow: nested or binary columns do not cast to text
        raise InputError("not readable as text", file=str(path), field=column) from None


def _numbers(path: Path, column: str, low: float, high: float) -> list[Any]:
    values = _table(path, column).column(column).to_pylist()
    try:
        numbers = [float(v) for v in values if v is not None]
    except (TypeError, ValueError):
        raise InputError("not numeric", file=str(path), field=column) from None
    return [min(high, max(low, v)) for v in numbers if math.isfinite(v)]


def _table(path: Path, column: str | None) -> Any:
    from veil.dp._table import read_arrow

    table = read_arrow(path)
    if column is not None and column not in table.column_names:
        raise InputError("no such column", file=str(path), field=column)
    return table

"""``veil risk table``: re-identification risk of a table before it is released.

Classic measures over the quasi-identifiers (QIs) — the columns an attacker can
link with outside data (age, postcode, sex...):

* k-anonymity: the size of the smallest group of rows sharing one QI combination
  (Sweeney 2002); a table is k-anonymous when every group has at least k rows;
* uniqueness: the share of rows whose QI combination is theirs alone (sample
  uniques: the rows most exposed to linkage);
* l-diversity: the fewest distinct sensitive values within a group (Machanavajjhala
  et al. 2007); a group with one sensitive value discloses it to anyone who can
  place a person in the group, however large the group;
* per-QI attribution: uniqueness when each QI is dropped, to show which column
  drives the risk.

The report holds counts and shares only, never a QI combination or a value: the
combinations at risk are themselves the identifying data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veil.dp._table import read_arrow
from veil.errors import ConfigError, InputError

__all__ = ["TableRisk", "assess_table"]


@dataclass
class TableRisk:
    rows: int
    quasi_identifiers: list[str]
    k_anonymity: int
    k_target: int
    rows_below_k: int
    unique_rows: int
    groups: int
    l_diversity: int | None = None
    sensitive: str | None = None
    groups_l1: int | None = None
    drop_one: dict[str, float] = field(default_factory=dict)

    @property
    def uniqueness(self) -> float:
        return self.unique_rows / self.rows

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["uniqueness"] = round(self.uniqueness, 6)
        out["share_below_k"] = round(self.rows_below_k / self.rows, 6)
        return out


def assess_table(
    path: Path, quasi: Sequence[str], *, sensitive: str | None = None, k: int = 5
) -> TableRisk:
    """Risk measures of ``path`` for quasi-identifiers ``quasi`` (and a sensitive column)."""
    if not quasi:
        raise ConfigError("name the quasi-identifiers: --quasi age,postcode,sex")
    if k < 2:
        raise ConfigError("--k is at least 2 (every table is 1-anonymous)")
    columns = _columns(path, [*quasi, *([sensitive] if sensitive else [])])
    keys = list(zip(*(columns[q] for q in quasi), strict=True))
    if not keys:
        raise InputError("the table has no rows", file=str(path))
    try:
        sizes = Counter(keys)
    except TypeError:  # list or struct cells
        raise InputError(
            "quasi-identifiers must be plain values, not nested", file=str(path)
        ) from None
    risk = TableRisk(
        rows=len(keys),
        quasi_identifiers=list(quasi),
        k_anonymity=min(sizes.values()),
        k_target=k,
        rows_below_k=sum(n for n in sizes.values() if n < k),
        unique_rows=sum(1 for n in sizes.values() if n == 1),
        groups=len(sizes),
        drop_one=_drop_one(columns, quasi),
    )
    if sensitive:
        try:
            _diversity(risk, keys, columns[sensitive], sensitive)
        except TypeError:
            raise InputError(
                "the sensitive column must hold plain values", field=sensitive
            ) from None
    return risk


def _diversity(risk: TableRisk, keys: list[tuple[Any, ...]], values: list[Any], name: str) -> None:
    seen: defaultdict[tuple[Any, ...], set[Any]] = defaultdict(set)
    for key, value in zip(keys, values, strict=True):
        seen[key].add(value)
    risk.sensitive = name
    risk.l_diversity = min(len(v) for v in seen.values())
    risk.groups_l1 = sum(1 for v in seen.values() if len(v) == 1)


def _drop_one(columns: dict[str, list[Any]], quasi: Sequence[str]) -> dict[str, float]:
    """Uniqueness with each QI left out: the column whose removal helps most drives the risk."""
    if len(quasi) < 2:
        return {}
    out = {}
    for dropped in quasi:
        rest = [columns[q] for q in quasi if q != dropped]
        sizes = Counter(zip(*rest, strict=True))
        out[dropped] = round(sum(1 for n in sizes.values() if n == 1) / len(rest[0]), 6)
    return out


def _columns(path: Path, names: Sequence[str]) -> dict[str, list[Any]]:
    table = read_arrow(path)
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise InputError(f"columns missing from the table: {', '.join(missing)}", file=str(path))
    if len(set(names)) != len(names):
        raise ConfigError("a column is named twice (the sensitive column is not a QI)")
    return {n: table.column(n).to_pylist() for n in names}

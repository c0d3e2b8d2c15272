"""Tables in and out of the synthesizer: a declared domain, integer codes, nothing leaked.

The synthesizer sees integer codes in ``[0, size)`` per column. The mapping from
values to codes comes from a *declared* domain (``--domain FILE``), never from the
data: reading the categories or the min/max off the table would itself leak (a
rare category names a person). Domain file, JSON or YAML, one entry per column::

    age: {min: 17, max: 90, bins: 74, integer: true}   # numeric: clipped, equal-width bins
    workclass: {categories: [Private, Self-emp, Gov]}   # anything else -> one "other" code
    income>50K: 2                                      # already coded 0..size-1

On the way out numeric bins become a value drawn uniformly inside the bin, and the
"other" code an empty cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from veil.errors import ConfigError, InputError

__all__ = ["MAX_SIZE", "Column", "Domain", "read_table", "write_table"]

MAX_SIZE = 1_000_000  # values per column: larger domains are mistakes, not tables


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # "coded" | "categorical" | "numeric"
    size: int
    categories: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 0.0
    integer: bool = False

    def encode(self, values: pa.ChunkedArray) -> np.ndarray:
        if self.kind == "categorical":
            return self._encode_categories(values)
        numbers = _numbers(values, self.name)
        if self.kind == "coded":
            bad = (numbers < 0) | (numbers >= self.size) | (numbers != np.floor(numbers))
            if bad.any():
                raise InputError(
                    f"{int(bad.sum())} value(s) outside 0..{self.size - 1} or not integers",
                    field=self.name,
                )
            return numbers.astype(np.int64)
        width = (self.high - self.low) / self.size
        codes = np.floor((np.clip(numbers, self.low, self.high) - self.low) / width)
        out: np.ndarray = np.minimum(codes, self.size - 1).astype(np.int64)
        return out

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pa.Array:
        if self.kind == "categorical":
            labels = np.array([*self.categories, None], dtype=object)
            return pa.array(labels[codes], type=pa.string())
        if self.kind == "coded":
            return pa.array(codes, type=pa.int64())
        width = (self.high - self.low) / self.size
        values = self.low + (codes + rng.random(len(codes))) * width
        if self.integer:
            return pa.array(np.clip(np.floor(values), self.low, self.high).astype(np.int64))
        return pa.array(values, type=pa.float64())

    def _encode_categories(self, values: pa.ChunkedArray) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.categories)}
        other = len(self.categories)
        try:
            texts = values.cast(pa.string()).to_pylist()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise InputError("not readable as text (nested, binary or bad UTF-8)",
                             field=self.name) from None  # fmt: skip
        return np.fromiter((index.get(v, other) for v in texts), dtype=np.int64, count=len(texts))


@dataclass(frozen=True, slots=True)
class Domain:
    columns: tuple[Column, ...]

    @property
    def sizes(self) -> list[int]:
        return [c.size for c in self.columns]

    def index(self, name: str) -> int:
        for i, column in enumerate(self.columns):
            if column.name == name:
                return i
        raise ConfigError(f"--target {name!r} is not a column of the domain")

    @classmethod
    def load(cls, path: Path) -> Domain:
        try:
            raw = yaml.safe_load(path.read_text("utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read domain file {path} ({type(exc).__name__})") from None
        if not isinstance(raw, dict) or not raw:
            raise ConfigError(f"domain file {path} must map column names to their domains")
        return cls(tuple(_column(str(name), spec, path) for name, spec in raw.items()))


def _column(name: str, spec: Any, path: Path) -> Column:
    where = f"domain file {path}, column {name!r}"
    if "TODO" in str(spec):
        raise ConfigError(f"{where}: replace the TODO left by `veil dp domain`")
    if isinstance(spec, int) and not isinstance(spec, bool):
        if not 1 <= spec <= MAX_SIZE:
            raise ConfigError(f"{where}: a coded column has size 1..{MAX_SIZE:,}")
        return Column(name, "coded", spec)
    if isinstance(spec, dict) and isinstance(spec.get("categories"), list):
        cats = tuple(str(c) for c in spec["categories"])
        if not cats or len(set(cats)) != len(cats) or len(cats) >= MAX_SIZE:
            raise ConfigError(f"{where}: categories must be a non-empty list without repeats")
        return Column(name, "categorical", len(cats) + 1, categories=cats)  # + "other"
    if isinstance(spec, dict) and {"min", "max"} <= spec.keys():
        try:
            low, high, bins = float(spec["min"]), float(spec["max"]), int(spec.get("bins", 32))
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: min, max and bins must be numbers") from None
        finite = all(math.isfinite(v) for v in (low, high, high - low))
        if not (finite and high > low and 1 <= bins <= 1000 and spec.get("bins", 32) == bins):
            raise ConfigError(f"{where}: needs finite min < max and a whole 1 <= bins <= 1000")
        return Column(name, "numeric", bins, low=low, high=high, integer=bool(spec.get("integer")))
    raise ConfigError(
        f"{where}: use a size (coded 0..size-1), {{categories: [...]}} or {{min, max, bins}}"
    )


def _numbers(values: pa.ChunkedArray, name: str) -> np.ndarray:
    if values.null_count:
        raise InputError(f"{values.null_count} empty cell(s); fill or drop them first", field=name)
    try:
        numbers = np.asarray(values.cast(pa.float64()).to_numpy(zero_copy_only=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InputError("not numeric; declare it with categories instead", field=name) from None
    bad = ~np.isfinite(numbers)
    if bad.any():
        raise InputError(f"{int(bad.sum())} NaN or infinite value(s); fix them first", field=name)
    return numbers


def read_table(path: Path, domain: Domain) -> np.ndarray:
    """The table's rows as an n x d array of codes, columns in the domain's order."""
    table = read_arrow(path)
    missing = [c.name for c in domain.columns if c.name not in table.column_names]
    if missing:
        raise InputError(f"columns missing from the table: {', '.join(missing)}", file=str(path))
    if table.num_rows == 0:
        raise InputError("the table has no rows", file=str(path))
    try:
        cols = [c.encode(table.column(c.name)) for c in domain.columns]
    except InputError as exc:
        raise InputError(exc.reason, file=str(path), field=exc.field) from None
    return np.stack(cols, axis=1)


def write_table(path: Path, codes: np.ndarray, domain: Domain, rng: np.random.Generator) -> None:
    """Decode and write atomically (CSV or Parquet by the file's extension)."""
    from veil.io._atomic import atomic_output

    arrays = [c.decode(codes[:, i], rng) for i, c in enumerate(domain.columns)]
    table = pa.table(arrays, names=[c.name for c in domain.columns])
    with atomic_output(path) as fh:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, fh)
        else:
            import pyarrow.csv as pacsv

            pacsv.write_csv(table, fh)


def read_arrow(path: Path) -> pa.Table:
    """CSV (header line) or Parquet as an Arrow table; errors name the file, not its rows."""
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        import pyarrow.csv as pacsv

        return pacsv.read_csv(path)
    except (OSError, pa.ArrowInvalid) as exc:
        # pyarrow's messages quote the offending row: say what kind of failure, not the row.
        raise InputError(
            f"cannot read the table ({type(exc).__name__}): CSV with a header line, or Parquet",
            file=str(path),
        ) from None


def domain_template(path: Path) -> str:
    """A domain file to fill in, from the table's schema only (names and types, no values).

    Reading categories or ranges off the data would leak them; the template leaves them
    to the owner, who knows the public domain (codes lists, plausible ranges)."""
    schema = read_arrow(path).schema
    lines = [
        "# Declared domain for veil synth: fill in every TODO from public knowledge, not from",
        "# this table's values (categories and ranges read off the data would leak them).",
    ]
    for fld in schema:
        if pa.types.is_integer(fld.type) or pa.types.is_floating(fld.type):
            integer = "true" if pa.types.is_integer(fld.type) else "false"
            lines.append(
                f"{_key(fld.name)}: {{min: TODO, max: TODO, bins: 32, integer: {integer}}}"
            )
        else:
            lines.append(f"{_key(fld.name)}: {{categories: [TODO]}}")
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return yaml.safe_dump(name, default_style='"').strip()

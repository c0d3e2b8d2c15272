"""What a detector reports: a labelled span with a score and its provenance.

A ``Finding`` holds offsets, never the text itself, so findings can be
logged, counted and recorded in the ledger without carrying raw values.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, NamedTuple, Protocol, runtime_checkable


class Label(StrEnum):
    """The entity taxonomy (docs/taxonomy.md). Values match ../shared/eval/pii/labels.py."""

    PERSON = "PERSON"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    LOCATION = "LOCATION"  # street address, city, postcode, country
    DATE = "DATE"  # dates, times, date of birth
    AGE = "AGE"
    ORGANIZATION = "ORGANIZATION"
    ID = "ID"  # national IDs, SSN, passport, licence, tax, case/customer/account numbers
    CREDIT_CARD = "CREDIT_CARD"
    BANK_ACCOUNT = "BANK_ACCOUNT"  # IBAN, account numbers
    IP_ADDRESS = "IP_ADDRESS"
    URL = "URL"
    USERNAME = "USERNAME"
    CREDENTIAL = "CREDENTIAL"  # API keys, tokens, passwords, private keys, JWTs
    DEMOGRAPHIC = "DEMOGRAPHIC"  # nationality, religion, ethnicity, political affiliation
    TITLE = "TITLE"  # honorifics and job titles attached to a data subject
    MEDICAL = "MEDICAL"  # health conditions and treatments (special category)
    QUANTITY = "QUANTITY"  # quasi-identifying amounts (sums awarded, durations)
    MISC = "MISC"  # other quasi-identifiers (events, vehicle plates, ...)


LABELS: frozenset[str] = frozenset(label.value for label in Label)


class _Fields(NamedTuple):
    start: int
    end: int
    label: Label
    score: float
    detector: str
    subtype: str | None = None


class Finding(_Fields):
    """One detected entity: ``text[start:end]`` is a ``label`` with confidence ``score``.

    ``detector`` names what produced it (``pattern:email``, ``model:minilm-pii``),
    ``subtype`` refines the label (``US_SSN``, ``IBAN``, ``AWS_ACCESS_KEY``) so a
    user can see why something was flagged.

    Immutable, ordered by its fields in turn, hashable. A named tuple rather than a
    frozen dataclass: a megabyte of dense text makes 100k+ of them, and a frozen
    dataclass costs ~3x as much to build (one guarded setattr per field).
    """

    __slots__ = ()

    def __new__(  # noqa: PLR0917 - the positional order the dataclass had (public API)
        cls,
        start: int,
        end: int,
        label: Label,
        score: float,
        detector: str,
        subtype: str | None = None,
    ) -> Finding:
        if not 0 <= start < end:
            raise ValueError(f"bad span [{start}, {end})")
        return tuple.__new__(cls, (start, end, label, score, detector, subtype))

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Finding:  # type: ignore[override]  # _replace too: through the check
        return cls(*iterable)

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Finding) -> bool:
        return self.start < other.end and other.start < self.end

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "start": self.start,
            "end": self.end,
            "label": self.label.value,
            "score": round(self.score, 4),
            "detector": self.detector,
        }
        if self.subtype:
            out["subtype"] = self.subtype
        return out


@runtime_checkable
class Detector(Protocol):
    """One-method extension point: find entities in a text."""

    name: str

    def detect(self, text: str) -> list[Finding]: ...

"""National and tax IDs of the US, UK, Germany, France, Spain, Italy, the Netherlands,
India and EU VAT numbers.

Every ID with a check digit is validated by python-stdnum. Numbers too common
to stand alone (a bare 9-digit SSN or BSN, an 11-digit Steuer-ID, an NHS
number shaped like a phone number) only count within a few words after a
context word ("SSN", "BSN", "Steuer-ID", "NHS"): ``requires_context``.
"""

from __future__ import annotations

from collections.abc import Callable

from stdnum.de import idnr, stnr
from stdnum.es import nif as es_nif
from stdnum.eu import vat as eu_vat
from stdnum.fr import nif as fr_nif
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.in_ import aadhaar, pan
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import itin, ssn

from veil.detect._spec import (
    Check,
    PatternSpec,
    Verdict,
    accept,
    digits_only,
    has_digits,
    no_digit_chain,
)
from veil.detect._types import Label

__all__ = ["SPECS"]

_ID = Label.ID


def _valid(is_valid: Callable[[str], bool]) -> Check:
    """Wrap a stdnum ``is_valid`` (given the value without separators) as a check."""

    def check(value: str) -> Verdict | None:
        compact = "".join(ch for ch in value if ch.isalnum()).upper()
        return accept(value) if is_valid(compact) else None

    return check


def _us_tax_id(value: str) -> Verdict | None:
    """SSN, or ITIN (the 9xx range SSNs never use)."""
    number = digits_only(value)
    if itin.is_valid(number):
        return accept(value, "US_ITIN")
    return accept(value) if ssn.is_valid(number) else None


# UK National Insurance numbers: python-stdnum has no gb.nino module, so the format is
# checked here against HMRC's published rules (NIM39110): the prefix letters exclude
# D, F, I, Q, U, V, the second excludes O, and these pairs are never allocated.
_NINO_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def _nino(value: str) -> Verdict | None:
    return None if value[:2] in _NINO_BAD_PREFIX else accept(value)


def _es_id(value: str) -> Verdict | None:
    compact = "".join(ch for ch in value if ch.isalnum()).upper()
    if not es_nif.is_valid(compact):
        return None
    subtype = "ES_NIE" if compact[0] in "XYZ" else "ES_DNI" if compact[0].isdigit() else "ES_NIF"
    return accept(value, subtype)


def _id(
    name: str,
    pattern: str,
    score: float,
    check: Check,
    *,
    ctx: str,
    loc: str,
    needs_context: bool = False,
) -> PatternSpec:
    """A national ID: subtype from its name, value in group 1, fragments of longer numbers
    refused, numeric negatives ("ISBN", "total") applied."""
    return PatternSpec(
        name,
        _ID,
        name.upper().removesuffix("_BARE"),  # us_ssn_bare is an SSN written without dashes
        pattern,
        score,
        group=1,
        check=check,
        edge=no_digit_chain,
        context=ctx,
        negative="numeric",
        rank=2,
        locales=frozenset({loc}),
        requires_context=needs_context,
    )


_NIR = r"\b([12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2})\b"
_CF = r"\b([A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z])\b"
_VAT = (
    r"\b((?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)"
    r"[ \-]?[0-9A-Z]{8,12})\b"
)

# One row per ID; the table reads better unwrapped than one argument per line.
# fmt: off
SPECS: tuple[PatternSpec, ...] = (
    _id("us_ssn", r"\b(\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})\b", 0.6, _us_tax_id,
        ctx="ssn", loc="us"),
    _id("us_ssn_bare", r"\b(\d{9})\b", 0.3, _us_tax_id,
        ctx="ssn", loc="us", needs_context=True),
    _id("uk_nino", r"\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D])\b", 0.7,
        _nino, ctx="nino", loc="gb"),
    _id("uk_nhs", r"\b(\d{3}[ \-]?\d{3}[ \-]?\d{4})\b", 0.3, _valid(nhs.is_valid),
        ctx="nhs", loc="gb", needs_context=True),
    _id("de_steuer_id", r"\b(\d{2} ?\d{3} ?\d{3} ?\d{3})\b", 0.3, _valid(idnr.is_valid),
        ctx="de_idnr", loc="de", needs_context=True),
    _id("fr_nir", _NIR, 0.75, _valid(nir.is_valid),
        ctx="fr_nir", loc="fr"),
    _id("fr_nif", r"\b([0-3]\d ?\d{2} ?\d{3} ?\d{3} ?\d{3})\b", 0.3, _valid(fr_nif.is_valid),
        ctx="fr_nif", loc="fr", needs_context=True),
    _id("es_dni", r"\b(\d{8}[ \-]?[A-Z]|[XYZ][ \-]?\d{7}[ \-]?[A-Z]|[KLM]\d{7}[A-Z])\b", 0.75,
        _es_id, ctx="es_id", loc="es"),
    _id("it_codice_fiscale", _CF, 0.9, _valid(codicefiscale.is_valid),
        ctx="it_cf", loc="it"),
    _id("nl_bsn", r"\b(\d{9}|\d{4}\.\d{2}\.\d{3})\b", 0.3, _valid(bsn.is_valid),
        ctx="nl_bsn", loc="nl", needs_context=True),
    _id("in_aadhaar", r"\b([2-9]\d{3} ?\d{4} ?\d{4})\b", 0.5, _valid(aadhaar.is_valid),
        ctx="aadhaar", loc="in"),
    _id("in_pan", r"\b([A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z])\b", 0.6, _valid(pan.is_valid),
        ctx="pan", loc="in"),
    _id("eu_vat", _VAT, 0.7, _valid(eu_vat.is_valid),
        ctx="vat", loc="eu"),
    PatternSpec(  # no checksum: only right after its key words
        "de_steuernummer", _ID, "DE_STEUERNUMMER",
        r"(?i:\b(?:steuernummer|st\.? ?-?nr\.?))\s{0,3}[:.]?\s{0,3}"
        r"(\d{2,3}/\d{3,4}/\d{4,5}|\d{10,13})\b",
        0.85, group=1, check=_valid(stnr.is_valid), edge=no_digit_chain, rank=2,
        locales=frozenset({"de"}),
    ),
    PatternSpec(  # no checksum in the 9 characters: only right after its key words
        "de_id_card", _ID, "DE_ID_CARD",
        r"(?i:\b(?:personalausweis(?:nummer)?|ausweisnummer|ausweis-?nr\.?|id card)"
        r"\s{0,3}(?:no\.?|nr\.?|number|nummer|#)?)\s{0,3}[:#]?\s{0,3}"
        r"([CFGHJKLMNPRTVWXYZ0-9]{9}\d?)\b",
        0.8, group=1, check=has_digits(2), rank=2, locales=frozenset({"de"}),
    ),
)
# fmt: on

"""Postcodes, by format and context: never a bare 5-digit number on its own.

A US ZIP counts after a state code or the word "ZIP"; a UK postcode by its full
format (outward and inward code); a German, French, Spanish or Italian 5-digit
code only after a postcode word ("PLZ", "code postal") or when an address word
precedes it and a capitalised place name follows ("Hauptstr. 5, 10115 Berlin").
"""

from __future__ import annotations

from stdnum.nl import postcode as nl_postcode

from veil.detect._spec import PatternSpec, Verdict, accept, no_digit_chain, words
from veil.detect._types import Label

__all__ = ["SPECS"]

_L = Label.LOCATION

_US_STATES = words(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
)

# First two digits in use: DE 01-99, FR 01-95 and 97 (overseas), ES 01-52, IT 00-98.
_FIVE_DIGIT_PREFIX = frozenset(f"{n:02d}" for n in range(1, 99))


def _five_digit(value: str) -> Verdict | None:
    return accept(value) if value[:2] in _FIVE_DIGIT_PREFIX else None


def _nl(value: str) -> Verdict | None:
    return accept(value) if nl_postcode.is_valid(value) else None


_PLACE = r"[A-ZÄÖÜÉÈÀÁÓÚÑ][\p{L}'\-]{1,40}"  # a capitalised place name after the code

SPECS: tuple[PatternSpec, ...] = (
    PatternSpec(
        "us_zip",
        _L,
        "US_ZIP",
        rf"\b(?:{'|'.join(_US_STATES)})\.?,?\s{{1,3}}(\d{{5}}(?:-\d{{4}})?)\b",
        0.85,
        group=1,
        edge=no_digit_chain,
        rank=2,
        locales=frozenset({"us"}),
    ),
    PatternSpec(
        "postcode_labelled",
        _L,
        "POSTCODE",
        r"(?i:\b(?:zip(?:\s?code)?|postal\s?code|post\s?code|postleitzahl|plz|code\s?postal|"
        r"c\.p\.|código\s?postal|cap|postcode)(?:\s{1,3}is)?\s{0,3}[:#]?\s{0,3})"
        r"(\d{4,5}(?:-\d{3,4})?(?:\s?[A-Z]{2}\b)?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b",
        0.85,
        group=1,
        rank=2,
    ),
    PatternSpec(
        "uk_postcode",
        _L,
        "UK_POSTCODE",
        r"\b((?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKMNPR-Y\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2})\b",
        0.6,
        group=1,
        context="address",
        rank=1,
        locales=frozenset({"gb"}),
    ),
    PatternSpec(
        "postcode_5",
        _L,
        "POSTCODE",
        rf"\b(\d{{5}})\s{{1,2}}{_PLACE}",
        0.3,
        group=1,
        check=_five_digit,
        edge=no_digit_chain,
        context="address",
        requires_context=True,
        window=60,
        locales=frozenset({"de", "fr", "es", "it"}),
    ),
    PatternSpec(
        "nl_postcode",
        _L,
        "NL_POSTCODE",
        rf"\b(\d{{4}}\s?[A-Z]{{2}})\s{{1,2}}{_PLACE}",
        0.3,
        group=1,
        check=_nl,
        edge=no_digit_chain,
        context="address",
        requires_context=True,
        window=60,
        locales=frozenset({"nl"}),
    ),
)

"""Generalisation: make a value coarser (date → year or month, number → band, code → prefix).

Each function returns None when it cannot parse the value with confidence;
the operator then redacts. Guessing would risk echoing the original, so an
ambiguous input is never passed through. Values longer than ``_MAX_LEN`` are
refused outright: a generalisable date, age or postcode is short, and a long
span is more likely a detector's over-long guess.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["code_prefix", "date_part", "number_band"]

_MAX_LEN = 64
_YEARS = range(1800, 2200)

_MONTH_NAMES = (
    # English, German, French, Spanish: the languages Veil covers.
    ("january", "januar", "janvier", "enero"),
    ("february", "februar", "février", "febrero"),
    ("march", "märz", "mars", "marzo"),
    ("april", "avril", "abril"),
    ("may", "mai", "mayo"),
    ("june", "juni", "juin", "junio"),
    ("july", "juli", "juillet", "julio"),
    ("august", "août", "agosto"),
    ("september", "septembre", "septiembre", "setiembre"),
    ("october", "oktober", "octobre", "octubre"),
    ("november", "novembre", "noviembre"),
    ("december", "dezember", "décembre", "diciembre"),
)
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(_MONTH_NAMES, start=1):
    for _name in _names:
        _MONTHS[_name] = _number
        _MONTHS.setdefault(_name[:3], _number)  # "Dec", "Okt"; "mar" is taken by March first
    _MONTHS.setdefault(_names[0][:4], _number)  # "Sept"

# Words allowed around a written date besides month names: anything else ("Room 2004")
# means the span may not be a date at all, and the year would echo the original.
_FILLER = frozenset(
    {
        *("of", "the", "on", "st", "nd", "rd", "th", "de", "del", "le", "der", "am", "den"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
    }
)

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[T ].*)?")
_NUMERIC = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?:[T ,].*)?")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"\d+")


def date_part(value: str, precision: str) -> str | None:
    """``"2004"`` or ``"2004-12"`` for a date in a common format; None if unsure."""
    text = value.strip()
    if len(text) > _MAX_LEN:
        return None
    parsed = _parse_iso(text) or _parse_numeric(text) or _parse_words(text)
    if parsed is None or parsed[0] not in _YEARS:
        return None
    year, month = parsed
    if precision == "month" and month is not None:
        return f"{year}-{month:02d}"
    return str(year)


def _parse_iso(text: str) -> tuple[int, int | None] | None:
    m = _ISO.fullmatch(text)
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(3) or 1) > 31:
        return None
    return int(m.group(1)), int(m.group(2))


def _parse_numeric(text: str) -> tuple[int, int | None] | None:
    m = _NUMERIC.fullmatch(text)
    if m is None:
        return None
    a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
    if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
        return None
    return _full_year(y), _month_of(a, b, sep)


def _month_of(a: int, b: int, sep: str) -> int | None:
    """Which of d/m or m/d is the month; None when only a guess could say (year still usable)."""
    if a > 12:
        return b
    if b > 12 or a == b:
        return a
    return b if sep == "." else None  # dotted numeric dates are day-first (DE, FR, ...)


def _full_year(digits: str) -> int:
    if len(digits) == 4:
        return int(digits)
    # Two-digit years pivot on today: "03" is 2003, "85" is 1985.
    yy, this_yy = int(digits), datetime.now(UTC).year % 100
    return 2000 + yy if yy <= this_yy else 1900 + yy


def _parse_words(text: str) -> tuple[int, int | None] | None:
    years = _YEAR.findall(text)
    days = [int(n) for n in _NUMBER.findall(text) if len(n) <= 2]
    words = _WORD.findall(text.casefold())
    if len(years) != 1 or len(_NUMBER.findall(text)) != 1 + len(days) or len(days) > 1:
        return None
    if any(d > 31 for d in days) or not all(w in _MONTHS or w in _FILLER for w in words):
        return None
    months = {_MONTHS[w] for w in words if w in _MONTHS}
    return int(years[0]), months.pop() if len(months) == 1 else None


def number_band(value: str, width: int, top: int | None) -> str | None:
    """``"40-49"`` for 42 (width 10); ``"90+"`` at or over ``top``; None unless one integer."""
    numbers = _NUMBER.findall(value.replace(",", ""))
    if len(value) > _MAX_LEN or len(numbers) != 1:
        return None
    number = int(numbers[0])
    if top is not None and number >= top:
        return f"{top}+"  # HIPAA Safe Harbor pools all ages over 89 (top: 90)
    low = number - number % width
    high = low + width - 1 if top is None else min(low + width - 1, top - 1)
    return f"{low}-{high}"


def code_prefix(value: str, keep: int) -> str | None:
    """The first ``keep`` characters of a code (postcode) plus ``*``; None if that shows it all.

    Only short values with a digit count as codes: "Paris" or a street address
    is not one, and its prefix would be a readable fragment of the place.
    """
    chars = [c for c in value if c.isalnum()]
    if len(value) > 12 or len(chars) <= keep or not any(c.isdigit() for c in chars):
        return None
    return "".join(chars[:keep]) + "*"

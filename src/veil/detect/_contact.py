"""Contact points: phone numbers and e-mail addresses.

Phones: an RE2 pattern proposes candidates and Google's libphonenumber port
(``phonenumbers``) decides, trying the regions in scope. ``PhoneNumberMatcher``
is not used over whole texts: it is orders of magnitude slower than RE2.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
import re2

from veil.detect._spec import Check, PatternSpec, Verdict, accept, digits_only, no_digit_chain
from veil.detect._types import Label

__all__ = ["LABEL", "PHONE_REGIONS", "specs"]

PHONE_REGIONS: dict[str, str] = {
    "us": "US", "gb": "GB", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "in": "IN",
}  # fmt: skip

# National significant lengths per region, to skip phonenumbers.parse (~60 us) on
# candidates that cannot be a number of that region. Trunk-prefixed (0...) numbers.
_TRUNK_LENGTHS: dict[str, range] = {
    "GB": range(10, 12), "DE": range(6, 14), "FR": range(10, 11), "IT": range(6, 12),
    "NL": range(10, 11), "IN": range(11, 12),
}  # fmt: skip
_SEPARATORS = frozenset(" .-()/")

# Shapes a phone number takes without a phone word nearby: international (+44, 0049),
# trunk-prefixed national (0121 234 5678, (08) 8747 6301), NANP ((201) 555-0123), and
# ES/IT/IN mobiles (612 34 56 78, 312 345 6789, 81234 56789).
_PHONE_SHAPES = (
    r"(?:\+|\b00)[1-9]\d{0,3}(?:[ .\-]?\(?\d{1,5}\)?){1,6}\b"
    r"|(?:\(0\d{1,4}\)[ .\-]?|\b0\d{1,5}[ .\-]?)\d{2,8}(?:[ .\-]\d{2,5}){0,4}\b"
    r"|(?:\b1[ .\-]?)?(?:\([2-9]\d{2}\)[ .\-]?|\b[2-9]\d{2}[ .\-])[2-9]\d{2}[ .\-]\d{4}"
    r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?\b"
    r"|\b[3679]\d{2}(?:[ .\-]\d{2,3}){2,3}\b|\b[6-9]\d{4}[ .\-]\d{5}\b"
)
_SSN_SHAPE = re2.compile(r"\d{3}-\d{2}-\d{4}")
_NON_DIGITS = re2.compile(r"\D+")


def _phone_edge(data: bytes, start: int, end: int) -> bool:
    """Not a fragment of a longer number: "0044 0532" inside "DE89 3704 0044 0532 ..."."""
    if not no_digit_chain(data, start, end):
        return False
    return not (start >= 2 and data[start - 1] == 0x20 and data[start - 2 : start - 1].isdigit())


def _shape_ok(value: str) -> bool:
    """Refuse shapes that are not phone numbers: amounts ``30 000 000``, dates, IPs, SSNs."""
    if _SSN_SHAPE.fullmatch(value) is not None:
        return False
    groups = value.replace("(", " ").replace(")", " ").replace(".", " ").replace("-", " ").split()
    if len(groups) > 1 and len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
        return "(" in value or value.startswith("0")  # thousands separators, not a phone
    return not (value.count(".") in (2, 3) and len(groups) == value.count(".") + 1 <= 4)


def _regions_for(number: str, regions: tuple[str, ...]) -> list[str]:
    """Regions whose national format fits the digits, in the caller's order."""
    if number.startswith("0"):
        return [r for r in regions if len(number) in _TRUNK_LENGTHS.get(r, range(0))]
    out = []
    for region in regions:
        fits = (
            (region == "US" and (len(number) == 10 or (len(number) == 11 and number[0] == "1")))
            or (region == "ES" and len(number) == 9 and number[0] in "6789")
            or (region == "IT" and len(number) == 10 and number[0] == "3")
            or (region == "IN" and len(number) == 10 and number[0] in "6789")
            or (region == "FR" and len(number) == 9)
        )
        if fits:
            out.append(region)
    return out


def _parse(value: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None


def _international(value: str) -> Verdict | None:
    number = _parse("+" + value[2:] if value.startswith("00") else value, None)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    return accept(value, "PHONE_INTL", 0.35 if phonenumbers.is_valid_number(number) else 0.15)


def _groups(value: str) -> list[int]:
    return [len(g) for g in _NON_DIGITS.split(value) if g]


def _national(value: str, digits: str, regions: tuple[str, ...]) -> Verdict | None:
    """The first region that validates, preferring one whose own national format groups the
    digits as written ("06.12.34.56.78" is French, though also a valid German number)."""
    grouped = any(ch in _SEPARATORS for ch in value)
    # An ungrouped 10-digit run without a trunk 0 is as likely an ID or a counter.
    bonus = 0.3 if grouped or digits.startswith("0") else 0.0
    first: str | None = None
    for region in _regions_for(digits, regions):
        number = _parse(value, region)
        if number is None or not phonenumbers.is_valid_number(number):
            continue
        if not grouped:
            return accept(value, f"PHONE_{region}", bonus)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        if _groups(national) == _groups(value):
            return accept(value, f"PHONE_{region}", bonus)
        first = first or region
    return accept(value, f"PHONE_{first}", bonus) if first else None


def phone_shape(value: str) -> Verdict | None:
    """Cheap test: 7 to 15 digits in a shape that is not an amount, a date or an IP."""
    if not 7 <= sum(ch.isdigit() for ch in value) <= 15 or not _shape_ok(value):
        return None
    return accept(value)


def phone_check(regions: tuple[str, ...]) -> Check:
    """A check trying ``regions`` (phonenumbers region codes) for numbers without a ``+``."""

    def check(value: str) -> Verdict | None:
        if value.startswith(("+", "00")):
            return _international(value)
        main = value.lower().split("x", 1)[0].split("e", 1)[0]  # without "x036" / "ext. 12"
        return _national(value, digits_only(main), regions)

    return check


def _lenient(check: Check) -> Check:
    """Next to a phone word, a number that no region validates is still taken (unverified)."""

    def lenient(value: str) -> Verdict | None:
        return check(value) or accept(value, "PHONE_CONTEXT")

    return lenient


# Unbounded repetitions on purpose: counted ones ({1,64}) multiply RE2's DFA states;
# lengths are checked in Python instead (RFC 5321: 64-byte local part, 63-byte labels).
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"


def _email(value: str) -> Verdict | None:
    local, _, domain = value.rpartition("@")
    if len(local) > 64 or len(domain) > 253 or any(len(x) > 63 for x in domain.split(".")):
        return None
    return accept(value)


def specs(regions: Iterable[str]) -> tuple[PatternSpec, ...]:
    """E-mail and phone specs; phones are tried against ``regions`` (phonenumbers codes)."""
    check = phone_check(tuple(regions))
    return (
        PatternSpec(
            "email",
            Label.EMAIL,
            "EMAIL",
            rf"\b[A-Za-z0-9._%+\-]+@(?:{LABEL}\.)+[A-Za-z]{{2,24}}\b",
            0.95,
            check=_email,
            rank=2,
        ),
        PatternSpec(
            "phone",
            Label.PHONE,
            "PHONE",
            _PHONE_SHAPES,
            0.4,
            check=check,
            edge=_phone_edge,
            context="phone",
            negative="numeric",
            costly=True,
            precheck=phone_shape,
        ),
        PatternSpec(  # any digit groups, but only next to a phone word ("Tel: 358 0594")
            "phone_context",
            Label.PHONE,
            "PHONE",
            r"(?:\(\d{1,5}\)[ .\-]?|\b\d{1,6}[ .\-])\d{2,5}(?:[ .\-]\d{2,5}){0,4}\b|\b\d{7,15}\b",
            0.2,
            check=_lenient(check),
            edge=_phone_edge,
            context="phone",
            negative="numeric",
            requires_context=True,
            costly=True,
            precheck=phone_shape,
        ),
    )

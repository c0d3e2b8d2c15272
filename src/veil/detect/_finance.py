"""Payment cards and bank accounts.

Cards need a Luhn checksum *and* a known issuer prefix (IIN) and length, so a
random 16-digit number is rejected nine times in ten before context is even
considered. IBANs are validated with ISO 7064 mod 97 by python-stdnum; plain
account numbers have no checksum and are only taken after a key word.
"""

from __future__ import annotations

from stdnum import iban, luhn
from stdnum.us import rtn

from veil.detect._spec import PatternSpec, Verdict, accept, digits_only, no_digit_chain
from veil.detect._types import Label

__all__ = ["SPECS"]

# (brand, IIN prefix ranges as (low, high) on the leading digits, allowed lengths)
_BRANDS: tuple[tuple[str, tuple[tuple[int, int], ...], frozenset[int]], ...] = (
    ("AMEX", ((34, 34), (37, 37)), frozenset({15})),
    ("VISA", ((4, 4),), frozenset({13, 16, 19})),
    ("MASTERCARD", ((51, 55), (2221, 2720)), frozenset({16})),
    ("DISCOVER", ((6011, 6011), (644, 649), (65, 65)), frozenset({16, 19})),
    ("DINERS", ((300, 305), (36, 36), (38, 39)), frozenset({14, 16})),
    ("JCB", ((3500, 3599),), frozenset({16, 19})),  # JCB assigns 3528-3589; issuers use all 35xx
    ("JCB", ((2131, 2131), (1800, 1800)), frozenset({15})),
    ("UNIONPAY", ((62, 62),), frozenset({16, 17, 18, 19})),
    ("MAESTRO", ((50, 50), (56, 69)), frozenset(range(12, 20))),  # 12 digits: only with context
)


def _prefix_table() -> dict[str, tuple[str, frozenset[int]]]:
    table: dict[str, tuple[str, frozenset[int]]] = {}
    for brand, ranges, lengths in _BRANDS:
        for low, high in ranges:
            for prefix in range(low, high + 1):
                table[str(prefix)] = (brand, lengths)
    return table


_PREFIXES = _prefix_table()  # "4" -> VISA, "2221".."2720" -> MASTERCARD, ...


def _brand(number: str) -> str | None:
    for width in (4, 3, 2, 1):  # the longest prefix wins: 6011 is Discover, 60 Maestro
        entry = _PREFIXES.get(number[:width])
        if entry is not None and len(number) in entry[1]:
            return entry[0]
    return None


def _card(value: str) -> Verdict | None:
    """Luhn-valid number with a known brand; grouped cards may carry a trailing extra group."""
    groups = value.replace("-", " ").split(" ")
    if sum(map(len, groups)) < 12:
        return None
    for keep in (len(groups), len(groups) - 1):  # "4111 1111 1111 1111 2024": drop the year
        number = "".join(groups[:keep])
        brand = _brand(number) if len(number) >= 12 else None
        if brand is not None and luhn.is_valid(number):
            # A 12-digit Maestro is as short as many reference numbers: it needs a card word.
            bonus = -0.4 if len(number) == 12 else 0.0
            return Verdict(0, len(" ".join(groups[:keep])), f"CARD_{brand}", bonus)
    return None


def _iban(value: str) -> Verdict | None:
    """Valid IBAN, trimming trailing space-separated groups that belong to the next word."""
    parts = value.split(" ")
    for keep in range(len(parts), 0, -1):
        candidate = " ".join(parts[:keep])
        if len(candidate.replace(" ", "")) < 15:
            break
        if iban.is_valid(candidate):
            return Verdict(0, len(candidate))
    return None


def _routing(value: str) -> Verdict | None:
    return accept(value) if rtn.is_valid(value) else None


def _account(value: str) -> Verdict | None:
    return accept(value) if 6 <= len(digits_only(value)) <= 17 else None


_ACCOUNT_WORDS = (
    r"(?:bank\s{1,3})?"
    r"(?:account|acct|a/c|kontonummer|konto|compte|cuenta|conto|rekening(?:nummer)?)"
)
_NO = r"(?:\s{0,3}(?:no|nr|number|num|#|n°|nº|nummer|numéro|número)\b\.?)?"

SPECS: tuple[PatternSpec, ...] = (
    PatternSpec(
        "credit_card",
        Label.CREDIT_CARD,
        "CARD",
        r"\b(\d{4}(?:[ \-]?\d{2,7}){1,5}|\d{12,19})\b",
        0.85,
        group=1,
        check=_card,
        edge=no_digit_chain,
        context="card",
        negative="numeric",
        rank=2,
    ),
    PatternSpec(
        "iban",
        Label.BANK_ACCOUNT,
        "IBAN",
        r"(?i:\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b)",
        0.95,
        group=1,
        check=_iban,
        context="iban",
        rank=2,
    ),
    PatternSpec(
        "bank_account",
        Label.BANK_ACCOUNT,
        "ACCOUNT_NUMBER",
        rf"(?i:\b{_ACCOUNT_WORDS}{_NO})\s{{0,3}}[:#]?\s{{0,3}}(\d(?:[ \-]?\d){{5,16}})\b",
        0.8,
        group=1,
        check=_account,
        edge=no_digit_chain,
        rank=2,
    ),
    PatternSpec(
        "us_routing",
        Label.BANK_ACCOUNT,
        "US_ROUTING",
        rf"(?i:\b(?:routing|aba|rtn)(?:\s{{1,3}}transit)?{_NO})\s{{0,3}}[:#]?\s{{0,3}}(\d{{9}})\b",
        0.85,
        group=1,
        check=_routing,
        rank=2,
        locales=frozenset({"us"}),
    ),
    PatternSpec(
        "uk_sort_code",
        Label.BANK_ACCOUNT,
        "UK_SORT_CODE",
        r"(?i:\bsort[ \-]?code)\s{0,3}[:#]?\s{0,3}(\d{2}-\d{2}-\d{2}|\d{6})\b",
        0.85,
        group=1,
        rank=2,
        locales=frozenset({"gb"}),
    ),
)

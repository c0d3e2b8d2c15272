"""Column and key names that hint at a data class: a table, matched word by word.

Names are split into lower-case words (``customerEmail``, ``customer_email`` and
``Customer-Email`` all give ``customer email``) and a hint matches consecutive words,
so ``zip`` never matches inside ``zipper`` and ``age`` never inside ``page``.
Rows are tried in order: specific classes come first so ``email_address`` is an
EMAIL rather than a LOCATION and ``user_email`` an EMAIL rather than a USERNAME.

A *strong* hint (credentials, national IDs) types a column on its name alone. It
counts as strong only when it ends the name, or is followed by a word that names
the value itself (``passport_number``, ``password_hash``): ``token_count`` is not a
credential, and an unbounded match would null a column of integers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veil.detect._types import Label

__all__ = ["HINTS", "Hint", "name_hint", "words"]

# (label, strong, names); a name with "_" matches consecutive words.
HINTS: tuple[tuple[Label, bool, tuple[str, ...]], ...] = (
    (Label.EMAIL, False, ("email", "e_mail", "mail")),
    (Label.IP_ADDRESS, False, ("ip_address", "ip")),
    (Label.CREDIT_CARD, False, ("card", "pan", "cc_number")),
    (Label.BANK_ACCOUNT, False, ("iban", "account")),
    (Label.CREDENTIAL, True, ("password", "token", "secret", "api_key")),
    (Label.ID, True, ("ssn", "passport", "national_id", "tax_id", "nin")),
    (Label.PHONE, False, ("phone", "tel", "mobile")),
    (Label.DATE, False, ("dob", "birth", "birthdate")),
    (Label.LOCATION, False, ("address", "street", "city", "zip", "postcode")),
    (Label.PERSON, False, ("name", "first_name", "surname", "full_name", "customer")),
    (Label.USERNAME, False, ("username", "login", "user")),
    (Label.AGE, False, ("age",)),
    (Label.MEDICAL, False, ("diagnosis", "condition")),
    (Label.DEMOGRAPHIC, False, ("gender", "ethnicity", "religion", "nationality")),
)

# Words after a strong hint that still name the sensitive value itself.
_VALUE_WORDS = frozenset({"number", "no", "num", "nr", "id", "code", "value", "hash"})

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@dataclass(frozen=True, slots=True)
class Hint:
    label: Label
    strong: bool


def words(name: str) -> tuple[str, ...]:
    """``"customerEmail_2"`` → ``("customer", "email", "2")``."""
    return tuple(w.lower() for w in _WORD.findall(name))


def name_hint(name: str) -> Hint | None:
    """The first hint whose words occur in ``name``, or None."""
    have = words(name)
    for label, strong, names in HINTS:
        for hint in names:
            end = _find(have, tuple(hint.split("_")))
            if end is not None:
                return Hint(label, strong and set(have[end:]) <= _VALUE_WORDS)
    return None


def _find(have: tuple[str, ...], want: tuple[str, ...]) -> int | None:
    """Index just past the first occurrence of ``want`` as consecutive words."""
    for i in range(len(have) - len(want) + 1):
        if have[i : i + len(want)] == want:
            return i + len(want)
    return None

"""Realistic fake surrogates: same-format stand-ins for the vault's ``fake`` style.

Every choice is drawn from ``seed``, an HMAC of the value under the
pseudonym-index key, so a fake says nothing about the value without the key
and is stable for the same value. ``n`` is the vault's per-label counter, used
where uniqueness matters more than realism (``user12@example.com``). ``attempt``
lets the vault redraw on a collision. ``None`` means "no realistic generator
for this label or none left": the vault then falls back to a ``<LABEL_n>``
placeholder, which always restores. Fakes only keep the *shape* of the value:
length, separators, letter case; never its characters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

__all__ = ["MAX_ATTEMPTS", "fake_surrogate"]

MAX_ATTEMPTS = 24

# fmt: off
_FIRST = (
    "Alex", "Amara", "Anil", "Aoife", "Bruno", "Carmen", "Chen", "Dara", "Elena", "Emeka", "Farah",
    "Felix", "Gita", "Hana", "Hugo", "Ines", "Ivan", "Jonas", "Kai", "Keiko", "Lars", "Layla",
    "Leon", "Lina", "Luca", "Maya", "Malik", "Mei", "Mateo", "Nadia", "Nils", "Noor", "Olga",
    "Omar", "Paula", "Priya", "Quinn", "Rafael", "Rosa", "Sami", "Sara", "Soren", "Tariq", "Tess",
    "Uma", "Vera", "Viktor", "Wren", "Xavier", "Yara", "Yusuf", "Zara", "Zoe", "Ada", "Ben",
    "Clara", "David", "Eva", "Frank", "Greta", "Henry", "Iris", "Jack",
)
_LAST = (
    "Abbott", "Adeyemi", "Alvarez", "Bauer", "Becker", "Bianchi", "Brennan", "Castillo",
    "Dimitrov", "Dubois", "Eriksen", "Falk", "Ferreira", "Fischer", "Garcia", "Haddad", "Hansen",
    "Horvat", "Ivanova", "Jensen", "Kaur", "Keller", "Kowalski", "Lambert", "Larsen", "Lindqvist",
    "Marsh", "Mendes", "Moreau", "Nakamura", "Novak", "Okafor", "Olsen", "Park", "Petrov",
    "Quispe", "Ramos", "Rossi", "Sato", "Schmidt", "Silva", "Sokolov", "Tanaka", "Torres", "Ueda",
    "Varga", "Vogel", "Wagner", "Walsh", "Weber", "Xu", "Yilmaz", "Zhou", "Ziegler", "Adler",
    "Brandt", "Conti", "Duarte", "Egan", "Fontaine", "Grant", "Hale",
)
# fmt: on


def fake_surrogate(label: str, value: str, seed: bytes, n: int, attempt: int) -> str | None:
    """A same-format fake for ``value`` under ``label``, or None to use a placeholder."""
    maker = _MAKERS.get(label)
    if maker is None or attempt >= MAX_ATTEMPTS:
        return None
    rand = hashlib.shake_256(seed + attempt.to_bytes(2, "big")).digest(max(64, len(value)))
    return maker(value, rand, n, attempt)


def _person(value: str, rand: bytes, n: int, attempt: int) -> str:
    first, last = _pick(_FIRST, rand[0:2]), _pick(_LAST, rand[2:4])
    tokens = len(value.split())
    # Past a few collisions a middle initial widens the space 26-fold.
    if tokens >= 3 or attempt >= MAX_ATTEMPTS // 3:
        name = f"{first} {chr(ord('A') + rand[4] % 26)}. {last}"
    else:
        name = last if tokens == 1 else f"{first} {last}"
    return name.upper() if value.isupper() else name


def _email(value: str, rand: bytes, n: int, attempt: int) -> str:
    # example.com is reserved (RFC 2606): a fake address can never reach a real person.
    return f"user{n}@example.com" if attempt == 0 else f"user{n}.{attempt}@example.com"


def _phone(value: str, rand: bytes, n: int, attempt: int) -> str:
    # Keep "+<country code>" so the number still reads as from the same country.
    keep = len(value) - len(value[1:].lstrip("0123456789")) if value.startswith("+") else 0
    return value[:keep] + _reshape(value[keep:], rand)


def _card(value: str, rand: bytes, n: int, attempt: int) -> str:
    return _fix_luhn(_reshape(value, rand))


def _bank(value: str, rand: bytes, n: int, attempt: int) -> str:
    keep = 2 if value[:2].isalpha() else 0  # IBAN country code
    return value[:keep] + _reshape(value[keep:], rand)


def _shape(value: str, rand: bytes, n: int, attempt: int) -> str:
    return _reshape(value, rand)


def _ip(value: str, rand: bytes, n: int, attempt: int) -> str:
    if ":" in value:  # 2001:db8::/32 is the IPv6 documentation prefix (RFC 3849)
        groups = [int.from_bytes(rand[i : i + 2], "big") for i in range(0, 8, 2)]
        return "2001:db8:" + ":".join(f"{g:x}" for g in groups) + "::1"
    return f"10.{rand[0]}.{rand[1]}.{1 + rand[2] % 254}"  # private range (RFC 1918)


def _url(value: str, rand: bytes, n: int, attempt: int) -> str:
    return f"https://example.com/u{n}" + (f"-{attempt}" if attempt else "")


def _username(value: str, rand: bytes, n: int, attempt: int) -> str:
    return f"user{n}" + (f"_{attempt}" if attempt else "")


_Maker = Callable[[str, bytes, int, int], str]
_MAKERS: dict[str, _Maker] = {
    "PERSON": _person,
    "EMAIL": _email,
    "PHONE": _phone,
    "CREDIT_CARD": _card,
    "BANK_ACCOUNT": _bank,
    "ID": _shape,
    "IP_ADDRESS": _ip,
    "URL": _url,
    "USERNAME": _username,
}


def _pick(items: tuple[str, ...], raw: bytes) -> str:
    return items[int.from_bytes(raw, "big") % len(items)]


def _reshape(value: str, rand: bytes) -> str:
    """Replace digits with digits and letters with letters (same case); keep the rest."""
    out = []
    for i, ch in enumerate(value):
        r = rand[i]  # rand is at least as long as value
        if ch in "0123456789":
            out.append(str(r % 10))
        elif ch.isascii() and ch.isalpha():
            letter = chr(ord("a") + r % 26)
            out.append(letter.upper() if ch.isupper() else letter)
        else:
            out.append(ch)
    return "".join(out)


def _fix_luhn(number: str) -> str:
    """Set the last digit so the digits pass the Luhn check, like a real card number."""
    positions = [i for i, ch in enumerate(number) if ch in "0123456789"]
    if len(positions) < 2:
        return number
    digits = [int(number[i]) for i in positions[:-1]]
    total = 0
    for k, d in enumerate(reversed(digits)):
        doubled = d * 2 if k % 2 == 0 else d
        total += doubled - 9 if doubled > 9 else doubled
    check = (10 - total % 10) % 10
    last = positions[-1]
    return number[:last] + str(check) + number[last + 1 :]

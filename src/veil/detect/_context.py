"""Context words that raise or lower a pattern's confidence, kept as data.

A spec names a list by key (``context="ssn"``); a word from it in the window
before a candidate adds ``BOOST`` to the score, a word from its ``negative``
list subtracts ``PENALTY``. Words are matched case-insensitively on word
boundaries; a leading ``~`` marks a suffix that may be glued to the word
before it (German and Dutch street names: "Hauptstraße", "Keizersgracht").
English, German, French and Spanish words sit side by side: a document's
language is not known in advance, and a foreign word costs nothing.
"""

from __future__ import annotations

import bisect

import re2

__all__ = ["BOOST", "NEGATIVE", "PENALTY", "POSITIVE", "ContextMatcher", "Seen"]

BOOST = 0.35
PENALTY = 0.4

POSITIVE: dict[str, str] = {  # words separated by |
    "ssn": "ssn|ssns|social security|soc sec|ss#|ss #|itin|taxpayer",
    "passport": "passport|reisepass|passeport|pasaporte|passaporto",
    "nino": "national insurance|nino|ni number|ni no|insurance number",
    "nhs": "nhs|national health|health service|chi number|patient",
    "de_idnr": "steuer-id|steuerid|steuer id|identifikationsnummer|idnr|tax id|steuerliche|tin",
    "fr_nir": "sécurité sociale|securite sociale|sécu|nir|insee|social security",
    "fr_nif": "numéro fiscal|numero fiscal|nif|spi|identifiant fiscal|tax",
    "es_id": "dni|nie|nif|documento|identidad|extranjero|id",
    "it_cf": "codice fiscale|cf|c.f.|fiscal code|tax code",
    "nl_bsn": "bsn|burgerservicenummer|sofinummer|sofi|citizen service",
    "aadhaar": "aadhaar|aadhar|uidai|uid",
    "pan": "pan|permanent account|income tax|pan card",
    "vat": "vat|ust-id|ustid|ust-idnr|umsatzsteuer|tva|iva|btw|mwst",
    "card": (
        "card|credit|debit|visa|mastercard|amex|american express|cc|discover|jcb|diners|"
        "maestro|kreditkarte|karte|carte|tarjeta|payment|pan"
    ),
    "iban": "iban|bank|account|konto|compte|cuenta|transfer|sepa|bic",
    "phone": (
        "phone|tel|telephone|mobile|mob|cell|call|fax|whatsapp|sms|text me|reach me|"
        "contact|dial|hotline|desk|answering|ring|messages to|texts to|telefon|handy|"
        "rufnummer|mobil|téléphone|portable|tél|teléfono|telefono|móvil|movil|cellulare|"
        "llamar|appeler|anrufen"
    ),
    "ip": "ip|ip address|host|server|client|address|addr|src|dst",
    "dob": (
        "dob|d.o.b|date of birth|born|birth|birthday|birthdate|geboren|geb.|"
        "geburtsdatum|geburtstag|né|née|naissance|nacido|nacida|nacimiento|nato|nata|"
        "nascita|geboortedatum"
    ),
    "age": ("age|aged|patient|âgé|âgée|âge|alter|tiene|tengo|edad|cumple|cumplió|j'ai|il a|elle a"),
    "address": (
        "address|street|st.|road|rd.|avenue|ave|lane|suite|apt|postcode|post code|"
        "postal|zip|anschrift|adresse|~straße|~strasse|~str.|~weg|~platz|~allee|~gasse|"
        "~damm|~ufer|wohnhaft|plz|rue|boulevard|bd|chemin|allée|place|cedex|calle|avenida|"
        "av.|plaza|paseo|c/|dirección|domicilio|via|viale|piazza|~straat|~laan|~gracht|"
        "~plein|~dreef|~kade|~steeg"
    ),
}

NEGATIVE: dict[str, str] = {  # words separated by |
    "numeric": (
        "isbn|issn|doi|version|ver.|v.|build|release|order total|total|subtotal|amount|"
        "price|balance|sum|eur|usd|gbp|€|$|£|serial|sku|part no|model|invoice total|"
        "page|pp.|tracking"
    ),
    "ip": "version|ver.|v.|build|release|isbn|oid|snmp",
    "duration": (
        "for|since|over|during|depuis|pendant|il y a|durant|hace|durante|desde|seit|vor|lang|ago"
    ),
    "law": (
        "law|act|article|decree|regulation|protocol|directive|resolution|ordinance|"
        "gesetz|verordnung|loi|décret|ley|decreto|bill"
    ),
    "date": "version|ver.|v.|release|build|isbn|ratio|score|verse",
}


def _word_pattern(word: str) -> str:
    """A word with ``\\b`` only where it begins or ends with an ASCII word character."""
    if word.startswith("~"):  # a suffix: no boundary before it
        word = word[1:]
        head = ""
    else:
        head = r"\b" if word[:1].isascii() and word[:1].isalnum() else ""
    tail = r"\b" if word[-1:].isascii() and word[-1:].isalnum() else ""
    return head + str(re2.escape(word)) + tail


def _compile(words: str) -> re2._Regexp:
    alternatives = sorted(set(words.split("|")), key=len, reverse=True)
    return re2.compile("(?i)(?:" + "|".join(_word_pattern(w) for w in alternatives) + ")")


class _Occurrences:
    """Where one word list occurs in a document, found in one pass when first needed."""

    __slots__ = ("ends", "starts")

    def __init__(self, regex: re2._Regexp, data: bytes) -> None:
        spans = [match.span() for match in regex.finditer(data)]
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def within(self, lo: int, hi: int) -> bool:
        """Whether an occurrence lies entirely inside ``[lo, hi)``."""
        i = bisect.bisect_left(self.starts, lo)
        return i < len(self.starts) and self.ends[i] <= hi


# Per-document cache of occurrences, keyed by list name ("+ssn", "-numeric").
Seen = dict[str, _Occurrences]

_POSITIVE = {key: _compile(words) for key, words in POSITIVE.items()}
_NEGATIVE = {key: _compile(words) for key, words in NEGATIVE.items()}


class ContextMatcher:
    """Scores one spec's context: positive and negative words in the window before a value."""

    __slots__ = ("_keys", "_negative", "_positive", "_window", "active")

    def __init__(self, positive: str | None, negative: str | None, window: int) -> None:
        if positive is not None and positive not in POSITIVE:
            raise KeyError(f"no positive context list {positive!r}")
        if negative is not None and negative not in NEGATIVE:
            raise KeyError(f"no negative context list {negative!r}")
        self._positive, self._negative, self._window = positive, negative, window
        self._keys = ("+" + (positive or ""), "-" + (negative or ""))  # per-document cache keys
        self.active = positive is not None or negative is not None

    def windows(self, data: bytes, seen: Seen, reach: int) -> list[tuple[int, int]]:
        """Byte ranges where a value preceded by a positive word can lie, merged.

        A word ending at ``e`` and starting at ``s`` supports values starting in
        ``[e, s + window]``; ``reach`` more bytes let such a value end.
        """
        if self._positive is None:
            return [(0, len(data))]
        found = _occurrences(seen, self._keys[0], _POSITIVE[self._positive], data)
        merged: list[tuple[int, int]] = []
        for start, end in zip(found.starts, found.ends, strict=True):
            lo, hi = end, min(len(data), start + self._window + reach)
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        return merged

    def adjust(self, data: bytes, start: int, seen: Seen) -> tuple[float, bool]:
        """Score change for a value starting at byte ``start``, and whether positive words hit."""
        lo = max(0, start - self._window)
        delta, hit = 0.0, False
        if self._positive is not None and _occurrences(
            seen, self._keys[0], _POSITIVE[self._positive], data
        ).within(lo, start):
            delta, hit = BOOST, True
        if self._negative is not None and _occurrences(
            seen, self._keys[1], _NEGATIVE[self._negative], data
        ).within(lo, start):
            delta -= PENALTY
        return delta, hit


def _occurrences(seen: Seen, key: str, regex: re2._Regexp, data: bytes) -> _Occurrences:
    found = seen.get(key)
    if found is None:
        found = seen[key] = _Occurrences(regex, data)
    return found

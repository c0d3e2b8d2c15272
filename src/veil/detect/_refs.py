"""Reference numbers: case, customer, ticket, order, policy and medical record numbers,
passports and driving licences.

None of these has a checksum, so each is only taken right after its key word,
which sits inside the pattern ("ticket #48213", "customer ID: C-99812",
"MRN 0042187", "application no. 4027/05"); the finding covers the number only.
Lists after one key word ("applications nos. 26480/95, 28291/95 and 29280/95")
give one finding per number.
"""

from __future__ import annotations

from veil.detect._spec import PatternSpec, has_digits, no_digit_chain
from veil.detect._types import Label

__all__ = ["REFERENCE_KINDS", "SPECS"]

_ID = Label.ID

_KW_NO = r"(?:\s{0,3}(?:no|nos|nr|number|num|n°|nº|id|code|nummer|numéro|número)\b\.?)?"
_VALUE = r"(?:[A-Z]{1,4}[\-/]?)?\d[A-Z0-9]*(?:[\-/.:][A-Z0-9]+){0,4}"

# Reference numbers by kind: key words (any case) that introduce one. A plain "no." is too
# common ("Law no. 1602"), so it only counts after one of these nouns.
REFERENCE_KINDS: dict[str, str] = {  # key words separated by |
    "CASE_NUMBER": (
        "case|application|docket|dossier|file|registration|plot|aktenzeichen|az|"
        "geschäftszeichen|affaire|requête|expediente|procedimiento"
    ),
    "CUSTOMER_ID": (
        "customer|client|member|membership|subscriber|account id|user id|kunden|"
        "kundennummer|kunden-nr|mitgliedsnummer|numéro client|cliente|socio"
    ),
    "TICKET_NUMBER": "ticket|incident|issue|request|vorgang|vorgangsnummer",
    "ORDER_NUMBER": (
        "order|invoice|booking|reservation|confirmation|tracking|shipment|bestellung|"
        "bestellnummer|rechnung|rechnungsnummer|commande|facture|pedido|factura"
    ),
    "POLICY_NUMBER": "policy|claim|insurance|versicherungsnummer|police|póliza",
    "MRN": "mrn|medical record|patient|patient id|hospital number",
    "EMPLOYEE_ID": "employee|staff|student|personnel|personalnummer|matrikelnummer",
}


def _reference(kind: str, key_words: str) -> PatternSpec:
    phrases = sorted(key_words.split("|"), key=len, reverse=True)
    alternatives = "|".join(w.replace(" ", r"\s") for w in phrases)
    pattern = (
        rf"(?i:\b(?:{alternatives})s?{_KW_NO})\s{{0,3}}\(?\s{{0,2}}(?i:nos?\.)?\s{{0,2}}[:#]?\s{{0,2}}"
        rf"({_VALUE}(?:(?:,\s{{0,2}}|\s{{1,2}}(?:and|et|und|y)\s{{1,2}}){_VALUE})*)\b"
    )
    return PatternSpec(
        f"ref_{kind.lower()}",
        _ID,
        kind,
        pattern,
        0.85,
        group=1,
        rank=2,
        check=has_digits(2),
        items=True,
    )


SPECS: tuple[PatternSpec, ...] = (
    *(_reference(kind, words) for kind, words in REFERENCE_KINDS.items()),
    PatternSpec(  # ECHR-style application numbers "(no. 4027/05)" without the noun
        "ref_application_no",
        _ID,
        "CASE_NUMBER",
        r"(?i:\bnos?\.)\s{0,3}(\d{1,6}/\d{2,4})\b",
        0.6,
        group=1,
        rank=2,
        negative="law",
        edge=no_digit_chain,
    ),
    PatternSpec(
        "passport",
        _ID,
        "PASSPORT",
        r"(?i:\b(?:passport|reisepass|passeport|pasaporte|passaporto)\s{0,3}"
        r"(?:no|nr|number|num|n°|#|nummer|numéro|número)?\.?\s{0,3}(?:is\s{1,3})?)[:#]?\s{0,3}"
        r"([A-Z0-9]{6,10})\b",
        0.85,
        group=1,
        rank=2,
        check=has_digits(2),
    ),
    PatternSpec(
        "driver_license",
        _ID,
        "DRIVER_LICENSE",
        r"(?i:\b(?:driver'?s?\s{1,3}licen[cs]e|driving\s{1,3}licen[cs]e|DL|führerschein|"
        r"permis\s{1,3}de\s{1,3}conduire|(?:licencia|permiso|carn[eé]t?)\s{1,3}de\s{1,3}conducir)"
        r"\s{0,3}(?:no|nr|number|num|#|nummer|numéro|número)?\.?\s{0,3}(?:is\s{1,3})?)[:#]?\s{0,3}"
        r"([A-Z0-9][A-Z0-9\-]{3,18}[A-Z0-9])\b",
        0.85,
        group=1,
        rank=2,
        check=has_digits(3),
    ),
)

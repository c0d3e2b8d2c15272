"""Value sources: Faker-backed pools (built once, seeded) and fast rng-based formatters.

Faker calls are slow (~100 us), so per-locale pools are drawn up front and documents sample
from them with their own `random.Random`; names come straight from Faker's provider lists.
"""

from __future__ import annotations

import random
import string
import unicodedata
from dataclasses import dataclass
from functools import cache

from faker import Faker

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_IN")

# which locales supply people/places for a document in a given language
LANG_LOCALES = {
    "en": (("en_US", 30), ("en_GB", 25), ("en_IN", 10), ("de_DE", 8), ("fr_FR", 7),
           ("es_ES", 7), ("it_IT", 7), ("nl_NL", 6)),
    "de": (("de_DE", 80), ("en_US", 5), ("it_IT", 5), ("nl_NL", 5), ("fr_FR", 5)),
    "fr": (("fr_FR", 80), ("en_GB", 5), ("es_ES", 5), ("it_IT", 5), ("de_DE", 5)),
    "es": (("es_ES", 85), ("en_US", 5), ("fr_FR", 5), ("it_IT", 5)),
}

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
COUNTRY_LOCALE = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}
FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de",
             "web.de", "orange.fr", "free.fr", "protonmail.com", "yahoo.co.uk", "telefonica.net")
ALNUM = string.ascii_letters + string.digits
UPPER_NUM = string.ascii_uppercase + string.digits


def ascii_fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(c for c in s.lower() if c.isalnum())


def weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


@cache
def _faker(loc: str) -> Faker:
    """One Faker per locale per process (construction is slow); callers reseed it.

    Some providers build their lists from sets (it_IT cities), so their order depends on
    PYTHONHASHSEED; sort those lists to keep output identical across processes.
    """
    fk = Faker(loc)
    for prov in fk.providers:
        for attr in ("cities",):
            if isinstance(getattr(prov, attr, None), list):
                setattr(prov, attr, sorted(getattr(prov, attr)))
    return fk


class Pools:
    """Seeded per-locale value pools. `size` trades start-up time for variety."""

    FIELDS = ("street_address", "city", "postcode", "address", "phone_number", "company",
              "iban", "license_plate")

    def __init__(self, seed: int, size: int = 300) -> None:
        self.data: dict[str, dict[str, list[str]]] = {}
        self.names: dict[str, tuple[list[str], list[str], list[str]]] = {}
        for i, loc in enumerate(LOCALES):
            fk = _faker(loc)
            fk.seed_instance(seed * 101 + i)
            self.data[loc] = {f: [getattr(fk, f)() for _ in range(size)] for f in self.FIELDS}
            self.names[loc] = self._names(fk)
            if loc == "en_US":
                self.data[loc]["ssn"] = [fk.ssn() for _ in range(size)]
                self.data[loc]["cc"] = [fk.credit_card_number() for _ in range(size)]
                self.data[loc]["job"] = [fk.job() for _ in range(size)]
                self.data[loc]["domain"] = [fk.domain_name() for _ in range(size)]
        self.countries = {}
        for lang, loc in COUNTRY_LOCALE.items():
            fk = _faker(loc)
            fk.seed_instance(seed * 7 + len(lang))
            self.countries[lang] = [fk.country() for _ in range(max(size // 3, 20))]

    @staticmethod
    def _names(fk: Faker) -> tuple[list[str], list[str], list[str]]:
        for prov in fk.providers:
            if hasattr(prov, "first_names_male"):
                return (list(prov.first_names_male), list(prov.first_names_female),
                        list(prov.last_names))
        raise RuntimeError("no person provider")

    def pick(self, rng: random.Random, loc: str, fld: str) -> str:
        return rng.choice(self.data[loc][fld])


@dataclass(slots=True)
class Persona:
    first: str
    last: str
    gender: str  # "m" / "f"
    locale: str
    email: str
    username: str


def make_persona(rng: random.Random, pools: Pools, loc: str) -> Persona:
    males, females, lasts = pools.names[loc]
    gender = "m" if rng.random() < 0.5 else "f"
    first = rng.choice(males if gender == "m" else females)
    last = rng.choice(lasts)
    if loc == "es_ES" and rng.random() < 0.5:
        last = f"{last} {rng.choice(lasts)}"
    email, user = make_email(rng, first, last), make_username(rng, first, last)
    return Persona(first, last, gender, loc, email, user)


def make_email(rng: random.Random, first: str, last: str, domain: str | None = None) -> str:
    f, ln = ascii_fold(first) or "user", ascii_fold(last) or "mail"
    local = rng.choice((f"{f}.{ln}", f"{f[0]}{ln}", f"{f}{ln}{rng.randint(1, 99)}",
                        f"{ln}.{f}", f"{f}_{ln}", f"{f}{rng.randint(70, 2005)}", f"{f[0]}.{ln}"))
    return f"{local}@{domain or rng.choice(FREE_MAIL)}"


def make_username(rng: random.Random, first: str, last: str) -> str:
    f, ln = ascii_fold(first) or "user", ascii_fold(last) or "x"
    return rng.choice((f"{f[0]}{ln}", f"{f}.{ln}", f"{f}_{ln[0]}{rng.randint(1, 99)}",
                       f"{f[0]}{ln}{rng.randint(1, 999)}", f"{f}{ln[:3]}", f"{ln}{f[0]}"))


# ---- dates -----------------------------------------------------------------------------

def _ymd(rng: random.Random, y0: int, y1: int) -> tuple[int, int, int]:
    return rng.randint(y0, y1), rng.randint(1, 12), rng.randint(1, 28)


def _ordinal(d: int) -> str:
    suffix = "th" if 11 <= d % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


def fmt_date(rng: random.Random, lang: str, y0: int = 2015, y1: int = 2025) -> str:
    y, m, d = _ymd(rng, y0, y1)
    mon = MONTHS[lang][m - 1]
    forms = {
        "en": (f"{d} {mon} {y}", f"{mon} {d}, {y}", f"{m:02d}/{d:02d}/{y}", f"{d:02d}/{m:02d}/{y}",
               f"{y}-{m:02d}-{d:02d}", f"{d} {mon[:3]} {y}", f"{mon[:3]} {d}",
               f"{_ordinal(d)} {mon}", f"{_ordinal(d)} of {mon} {y}", f"{d}.{m}.{y}"),
        "de": (f"{d:02d}.{m:02d}.{y}", f"{d}. {mon} {y}", f"{y}-{m:02d}-{d:02d}", f"{d}.{m}.{y}",
               f"{d}. {mon}"),
        "fr": (f"{d} {mon} {y}", f"{d:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{d} {mon}"),
        "es": (f"{d} de {mon} de {y}", f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}", f"{d} de {mon}"),
    }[lang]
    return rng.choice(forms)


def fmt_time(rng: random.Random, lang: str) -> str:
    h, mi = rng.randint(7, 19), rng.choice((0, 0, 15, 30, 45, rng.randint(0, 59)))
    if lang == "en" and rng.random() < 0.5:
        pool = ("am", "AM", " am", " a.m.") if h < 12 else ("pm", "PM", " pm", " p.m.")
        h12, suffix = h % 12 or 12, rng.choice(pool)
        if mi == 0 and rng.random() < 0.5:
            return f"{h12}{suffix}"
        return f"{h12}:{mi:02d}{suffix}"
    return f"{h:02d}:{mi:02d}"


def fmt_datetime(rng: random.Random, lang: str) -> str:
    y, m, d = _ymd(rng, 2019, 2025)
    h, mi = rng.randint(0, 23), rng.randint(0, 59)
    return rng.choice((f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}",
                       f"{d:02d}/{m:02d}/{y} {h:02d}:{mi:02d}",
                       f"{fmt_date(rng, lang)} {fmt_time(rng, lang)}",
                       f"{MONTHS['en'][m - 1][:3]} {d}, {y} {h:02d}:{mi:02d}" if lang == "en"
                       else f"{d:02d}.{m:02d}.{y} {h:02d}:{mi:02d}"))


def fmt_ts(rng: random.Random) -> str:
    y, m, d = _ymd(rng, 2021, 2025)
    h, mi, s, ms = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999)
    return rng.choice((f"{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z",
                       f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d},{ms:03d}",
                       f"{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{ms:03d}+01:00",
                       f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"))


def fmt_clf(rng: random.Random) -> str:
    y, m, d = _ymd(rng, 2021, 2025)
    h, mi, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    return f"{d:02d}/{MONTHS['en'][m - 1][:3]}/{y}:{h:02d}:{mi:02d}:{s:02d} +0000"


# ---- identifiers and secrets -------------------------------------------------------------

def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def chars(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def group(s: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(s[i:i + size] for i in range(0, len(s), size))


def fmt_cc(rng: random.Random, raw: str) -> str:
    if len(raw) == 16 and rng.random() < 0.5:
        return group(raw, 4, rng.choice((" ", "-")))
    return raw


def fmt_ipv4(rng: random.Random) -> str:
    first = rng.choice((rng.randint(11, 223), 10, 192, 172, 81, 185, 203))
    if first == 192:
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def fmt_ipv6(rng: random.Random) -> str:
    parts = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    if rng.random() < 0.4:
        return f"2001:db8:{parts[2]}::{parts[7]}"
    return ":".join(parts)


def fmt_password(rng: random.Random) -> str:
    words = ("Summer", "Winter", "Welcome", "Dragon", "Monkey", "Sunshine", "Qwerty", "Passw0rd",
             "Letmein", "Football", "Berlin", "Tr0ub4dor")
    r = rng.random()
    if r < 0.45:
        return f"{rng.choice(words)}{rng.randint(1, 2025)}{rng.choice('!?#$%&*')}"
    if r < 0.55:
        return rng.choice(("hunter2", "P@ssw0rd123", "changeme!", "Admin#2024"))
    return chars(rng, rng.randint(10, 18), ALNUM + "!#$%&*-_")


def fmt_api_key(rng: random.Random) -> str:
    return rng.choice((
        f"sk_live_{chars(rng, 24)}", f"AKIA{chars(rng, 16, UPPER_NUM)}", f"AIza{chars(rng, 35)}",
        f"ghp_{chars(rng, 36)}", f"xoxb-{digits(rng, 12)}-{digits(rng, 12)}-{chars(rng, 24)}",
        f"pk_test_{chars(rng, 24)}", f"SG.{chars(rng, 22)}.{chars(rng, 30)}",
        chars(rng, 32, "0123456789abcdef"),
    ))


def fmt_token(rng: random.Random) -> str:
    b64 = ALNUM + "-_"
    return rng.choice((
        f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{chars(rng, rng.randint(30, 60), b64)}."
        f"{chars(rng, 43, b64)}",
        f"ya29.{chars(rng, 48, b64)}", chars(rng, 40, "0123456789abcdef"),
        f"glpat-{chars(rng, 20)}",
    ))

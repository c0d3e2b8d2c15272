"""Dates, times and ages, in English, German, French, Spanish, Italian and Dutch.

Numeric dates are checked to be a real calendar date read either day-first or
month-first; textual dates are built from the month names below. A date with
a birth word nearby ("DOB", "born", "geboren", "né le") becomes subtype DOB.
Ages are the number only ("aged [45]"), as the evaluation sets annotate them.
"""

from __future__ import annotations

import datetime

import re2

from veil.detect._spec import PatternSpec, Verdict, accept, no_digit_chain
from veil.detect._types import Label

__all__ = ["specs"]

_D = Label.DATE

# Month names per language; abbreviations are only used next to a day or year.
MONTHS: dict[str, str] = {
    "en": "January February March April May June July August September October November "
    "December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec",
    "de": "Januar Jänner Februar März April Mai Juni Juli August September Oktober November "
    "Dezember Jan Feb Mär Apr Jun Jul Aug Sep Sept Okt Nov Dez",
    "fr": "janvier février fevrier mars avril mai juin juillet août aout septembre octobre "
    "novembre décembre decembre janv févr fév avr juil sept oct nov déc",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre "
    "noviembre diciembre ene feb mar abr jun jul ago sep sept oct nov dic",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
WEEKDAYS: dict[str, str] = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonnabend Sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles miercoles jueves viernes sábado sabado domingo",
}
LANGUAGE_LOCALES: dict[str, str] = {
    "en": "us gb in", "de": "de", "fr": "fr", "es": "es", "it": "it", "nl": "nl",
}  # fmt: skip

_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
# "p.m." keeps its last dot; "5pm." does not take the sentence's full stop with it.
_MERIDIEM = r"(?:[AaPp]\.[Mm]\.?|[AaPp][Mm]\b)"
_YEAR = r"(?:1[6-9]\d\d|20\d\d)"
_TIME = (  # an optional time after a textual date: "3 December 2004, at 14:30"
    r"(?:,?\s{1,3}(?:at\s{1,3}|um\s{1,3}|à\s{1,3}|a las\s{1,3})?"
    r"(?:[01]?\d|2[0-3])[:.h][0-5]\d(?::[0-5]\d)?(?:\s?[AaPp]\.?[Mm]\.?)?)?"
)


def _months(language: str) -> str:
    return "|".join(sorted(MONTHS[language].split(), key=len, reverse=True))


def _textual(language: str) -> str:
    """Day-month-year, month-day-year and month-year forms for one language."""
    mon = _months(language)
    if language == "en":  # English month names are capitalised: "may" stays a verb
        return (
            rf"\b(?:{_DAY}(?:st|nd|rd|th)?(?:\s{{1,3}}of)?\s{{1,3}}(?:{mon})\.?(?:,?\s{{1,3}}{_YEAR})?"
            rf"|(?:{mon})\.?\s{{1,3}}{_DAY}(?:st|nd|rd|th)?(?:,?\s{{1,3}}{_YEAR})?"
            rf"|(?:{mon})\.?,?\s{{1,3}}{_YEAR}){_TIME}\b"
        )
    if language == "es":
        return (
            rf"(?i:\b(?:{_DAY}\s{{1,3}}de\s{{1,3}}(?:{mon})(?:\s{{1,3}}(?:de|del)\s{{1,3}}{_YEAR})?"
            rf"|(?:{mon})\s{{1,3}}(?:de|del)\s{{1,3}}{_YEAR}))\b"
        )
    day = rf"{_DAY}\." if language == "de" else rf"(?:1er|{_DAY})" if language == "fr" else _DAY
    # Italian and Dutch write months in lower case; matching them case-blind would re-find
    # every English "December 2004" as Dutch.
    group = "(?:" if language in ("it", "nl") else "(?i:"
    return (
        rf"{group}\b(?:{day}\s{{0,3}}(?:{mon})\.?(?:\s{{1,3}}{_YEAR})?|(?:{mon})\s{{1,3}}{_YEAR}))"
        rf"{_TIME}(?:\b|$)"
    )


def _real_date(value: str) -> Verdict | None:
    """A numeric date that exists read day-first, month-first or year-first."""
    match = _NUMERIC_PARTS.search(value)
    if match is None:
        return None
    a, sep1, b, sep2, c = match.groups()
    if sep1 != sep2 or (sep1 == "." and len(c) == 2 and (len(a) != 2 or len(b) != 2)):
        return None  # "1.2.33" is a version, "12.03.24" a date
    nums = int(a), int(b), int(c)
    orders = [(nums[0], nums[1], nums[2])] if len(a) == 4 else [
        (nums[2], nums[1], nums[0]), (nums[2], nums[0], nums[1])
    ]  # fmt: skip
    for year, month, day in orders:
        century = 2000 if year < 50 else 1900 if year < 100 else 0
        try:
            datetime.date(year + century, month, day)
        except ValueError:
            continue
        return accept(value)
    return None


_NUMERIC_PARTS = re2.compile(r"^(\d{1,4})([./\-])(\d{1,2})([./\-])(\d{1,4})")


def _time(value: str) -> Verdict | None:
    return accept(value, "TIME")


def _age_value(value: str) -> Verdict | None:
    return accept(value) if 0 < int(value) <= 120 else None


_UNIT_AFTER = re2.compile(
    r"(?i)\s{0,3}(?:%|percent|per cent|euros?|eur|usd|dollars?|pounds?|try|liras?|francs?|"
    r"people|persons|men|women|km|kg|m|hours|metres|meters|votes|cases|pages)\b"
)


def _year_edge(data: bytes, start: int, end: int) -> bool:
    """A bare year, not the first number of "in 1500 cases" or "by 2000 votes"."""
    return no_digit_chain(data, start, end) and _UNIT_AFTER.match(data, end) is None


def _locales(language: str) -> frozenset[str]:
    return frozenset(LANGUAGE_LOCALES[language].split())


def _date_specs() -> tuple[PatternSpec, ...]:
    textual = tuple(
        PatternSpec(
            f"date_{lang}", _D, "DATE", _textual(lang), 0.85, context="dob",
            context_subtype="DOB", locales=_locales(lang),
        )
        for lang in MONTHS
    )  # fmt: skip
    numeric = PatternSpec(
        "date_numeric",
        _D,
        "DATE",
        r"\b(?:\d{4}[./\-]\d{1,2}[./\-]\d{1,2}"
        r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+\-]\d{2}:?\d{2})?)?"
        r"|\d{1,2}[./\-]\d{1,2}[./\-](?:\d{4}|\d{2})"
        rf"(?:,?\s{{1,3}}(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?{_MERIDIEM})?)?)",
        0.8,
        check=_real_date,
        edge=no_digit_chain,
        context="dob",
        negative="date",
        context_subtype="DOB",
    )
    year = PatternSpec(
        "date_year",
        _D,
        "YEAR",
        r"(?i:\b(?:in|since|until|till|from|by|of|during|before|after|between|and|to|or|born|"
        r"year|early|late|mid|circa|c\.|ca\.|im|seit|bis|von|vor|nach|en|depuis|desde|hasta|"
        r"año|année|jahr|anno|del|de|le)\s{1,3})((?:1[6-9]|20)\d\d)\b",
        0.6,
        group=1,
        edge=_year_edge,
        context="dob",
        context_subtype="DOB",
        rank=0,
    )
    time = PatternSpec(
        "time",
        _D,
        "TIME",
        rf"\b(?:(?:[01]?\d|2[0-3])[:h][0-5]\d(?::[0-5]\d)?(?:\s?{_MERIDIEM})?"
        rf"|(?:1[0-2]|0?[1-9])\s?{_MERIDIEM})",
        0.6,
        check=_time,
        edge=no_digit_chain,
        negative="date",
        rank=0,
    )
    weekdays = tuple(
        PatternSpec(
            f"weekday_{lang}", _D, "WEEKDAY", rf"(?i:\b(?:{'|'.join(names.split())})\b)", 0.55,
            negative="date", rank=0, locales=_locales(lang),
        )
        for lang, names in WEEKDAYS.items()
    )  # fmt: skip
    return (*textual, numeric, year, time, *weekdays)


def _age(
    name: str, pattern: str, score: float, language: str, negative: str | None = None
) -> PatternSpec:
    return PatternSpec(
        name, Label.AGE, "AGE", pattern, score, group=1, check=_age_value, context="age",
        negative=negative, locales=_locales(language),
    )  # fmt: skip


_N = r"(\d{1,3})"
_AGE_SPECS: tuple[PatternSpec, ...] = (
    _age("age_en",
         rf"(?i:\b(?:aged?|age\s{{1,3}}of|turn(?:ed|ing|s)?)\s{{0,3}}[:=]?\s{{0,3}}){_N}\b",
         0.8, "en"),
    _age("age_en_old",
         rf"\b{_N}(?:\s{{1,2}}|-)(?i:years?|yrs?)(?:\s{{1,2}}|-)(?i:old)\b", 0.85, "en"),
    _age("age_en_yo", rf"\b{_N}\s?(?i:y/o|yo|y\.o\.)", 0.75, "en"),
    _age("age_de", rf"(?i:\balter\s{{0,3}}[:=]?\s{{0,3}}(?:von\s{{1,3}})?){_N}\b", 0.8, "de"),
    _age("age_de_alt", rf"\b{_N}(?:\s{{1,2}}|-)(?i:jahre?\s{{1,2}}alt|jährige)", 0.85, "de"),
    _age("age_fr", rf"(?i:âgée?\s{{1,3}}de\s{{1,3}}|âge\s{{0,3}}[:=]\s{{0,3}}){_N}\b", 0.85, "fr"),
    _age("age_fr_ans", rf"\b{_N}\s{{1,2}}ans\b", 0.55, "fr", negative="duration"),
    _age("age_es", rf"(?i:\bedad\s{{0,3}}[:=]?\s{{0,3}}(?:de\s{{1,3}})?){_N}\b", 0.85, "es"),
    _age("age_es_anos", rf"\b{_N}\s{{1,2}}(?i:años)", 0.55, "es", negative="duration"),
)  # fmt: skip


def specs() -> tuple[PatternSpec, ...]:
    return _date_specs() + _AGE_SPECS

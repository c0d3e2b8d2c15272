"""A cheap language guess, so the model is not trusted on languages it never saw.

The NER model was fine-tuned on English plus synthetic German, French and
Spanish. On any other language an uncased English encoder tends to flag
capitalised words wholesale; the analyzer therefore raises the model's bar
there (see ``Analyzer``). A stopword vote is enough for that decision and
costs microseconds; it is not meant as a general language identifier.
"""

from __future__ import annotations

import re

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "in",
            "is",
            "that",
            "for",
            "was",
            "with",
            "on",
            "as",
            "by",
            "at",
            "from",
            "this",
            "be",
            "are",
            "have",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ein",
            "eine",
            "zu",
            "den",
            "mit",
            "von",
            "auf",
            "für",
            "ich",
            "sie",
            "es",
            "dem",
            "wir",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "des",
            "est",
            "une",
            "un",
            "pour",
            "que",
            "dans",
            "du",
            "pas",
            "sur",
            "au",
            "avec",
            "nous",
            "vous",
            "je",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "que",
            "de",
            "en",
            "es",
            "por",
            "una",
            "un",
            "para",
            "con",
            "del",
            "se",
            "no",
            "al",
            "su",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "gli",
            "e",
            "che",
            "di",
            "è",
            "per",
            "una",
            "un",
            "con",
            "non",
            "sono",
            "della",
            "nel",
            "alla",
            "anche",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "van",
            "is",
            "dat",
            "niet",
            "op",
            "te",
            "met",
            "voor",
            "zijn",
            "ik",
            "je",
            "wij",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "os",
            "e",
            "que",
            "de",
            "em",
            "um",
            "uma",
            "para",
            "com",
            "não",
            "do",
            "da",
            "no",
            "na",
            "se",
            "por",
        ]
    ),
    "pl": frozenset(
        [
            "i",
            "w",
            "nie",
            "na",
            "się",
            "z",
            "że",
            "do",
            "jest",
            "to",
            "jak",
            "ale",
            "o",
            "po",
            "tak",
        ]
    ),
    "tr": frozenset(
        ["ve", "bir", "bu", "da", "de", "ile", "için", "çok", "olarak", "daha", "gibi", "ama", "ne"]
    ),
    "fi": frozenset(
        ["ja", "on", "ei", "se", "että", "oli", "mutta", "kun", "niin", "hän", "myös", "ovat"]
    ),
}
MODEL_LANGUAGES = frozenset({"en", "de", "fr", "es"})
# Python re on purpose: RE2's \W is ASCII-only, and this single character class
# cannot backtrack, so it is linear on any input. Only free-standing words vote: letters
# glued to digits or inside addresses ("77de" in a UUID, "com" in "example.com", "smith@")
# are not words of any language, and once made a JSON log line vote Portuguese ("de",
# "com"), which let the language guard drop every model finding, names included.
_WORD = re.compile(r"(?<![\w.@/\\-])[^\W\d_]{2,}(?![\w@/\\])")
SAMPLE = 4000  # chars looked at: enough words for a stable vote


def guess_language(text: str) -> str | None:
    """Best-guess ISO 639-1 code, or None when too few stopwords to tell."""
    words = [w.lower() for w in _WORD.findall(text[:SAMPLE])]
    if len(words) < 6:
        return None
    votes = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(votes, key=lambda lang: votes[lang])
    return best if votes[best] >= max(3, len(words) // 12) else None

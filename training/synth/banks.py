"""Load, compile and validate the template banks in training/templates/.

Rules enforced at load time (so a bad template fails fast, not silently):
- every `{slot}` is a known slot;
- lists under a key ending in "pii" have at least one labelled slot per template;
- every other list (negatives, greetings, headings ...) has no labelled slot at all.
"""

from __future__ import annotations

from types import ModuleType

from templates import de, en, es, fr

from synth.seg import compile_template
from synth.slots import is_labelled, known_slot

LANG_MODULES: dict[str, ModuleType] = {"en": en, "de": de, "fr": fr, "es": es}
RAW_ATTRS = ("STRUCT",)


def _validate(tpl: str, must_have_pii: bool, where: str) -> tuple[tuple[bool, str], ...]:
    parts = compile_template(tpl)
    slots = [text for is_slot, text in parts if is_slot]
    for s in slots:
        if not known_slot(s):
            raise ValueError(f"{where}: unknown slot {{{s}}} in {tpl!r}")
    labelled = any(is_labelled(s) for s in slots)
    if must_have_pii and not labelled:
        raise ValueError(f"{where}: pii template without a labelled slot: {tpl!r}")
    if not must_have_pii and labelled:
        raise ValueError(f"{where}: negative template with a labelled slot: {tpl!r}")
    return parts


def _compile_list(items: list, pii: bool, where: str) -> list:
    out = []
    for it in items:
        if isinstance(it, tuple):  # (key, value template) field
            out.append((it[0], _validate(it[1], pii, where)))
        else:
            out.append(_validate(it, pii, where))
    return out


class Bank:
    """Compiled banks of one language: bank.TICKET["pii"] -> list of compiled templates."""

    def __init__(self, lang: str) -> None:
        mod = LANG_MODULES[lang]
        self.lang = lang
        self.count = 0
        for attr in dir(mod):
            val = getattr(mod, attr)
            if not attr.isupper() or not isinstance(val, dict):
                continue
            if attr in RAW_ATTRS:
                setattr(self, attr, val)
                continue
            compiled = {}
            for key, items in val.items():
                compiled[key] = _compile_list(items, key.endswith("pii"), f"{lang}.{attr}.{key}")
                self.count += len(items)
            setattr(self, attr, compiled)

    def has(self, attr: str) -> bool:
        return hasattr(self, attr)


def load_banks() -> dict[str, Bank]:
    return {lang: Bank(lang) for lang in LANG_MODULES}

"""Slot registry: `{slot}` name -> (label, value function). Filler slots have label None.

A Ctx holds one document's state: rng, language, locale and lazily created personas
("p" the main person, "a" the agent/doctor/colleague, "o" another person), so that
"{name} <{email}>" and a later "Hi {first}," refer to the same person.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from templates import fillers
from templates import values as V

from synth import values as fv
from synth.values import Persona, Pools, digits, weighted

LABELS = frozenset({
    "PERSON", "EMAIL", "PHONE", "LOCATION", "DATE", "AGE", "ORGANIZATION", "ID", "CREDIT_CARD",
    "BANK_ACCOUNT", "IP_ADDRESS", "URL", "USERNAME", "CREDENTIAL", "DEMOGRAPHIC", "TITLE",
    "MEDICAL",
})
TLD = {"en": (".com", ".co.uk", ".io", ".net", ".org"), "de": (".de", ".com"),
       "fr": (".fr", ".com"), "es": (".es", ".com")}
# slots whose value is fixed for the whole document (header and body agree)
CACHED = frozenset({"company", "a_company", "hospital", "insurer", "customer_id", "account_id",
                    "order_id", "ticket_id", "policy_no", "claim_no", "mrn", "case_id",
                    "employee_id", "member_id"})


class Ctx:
    def __init__(self, pools: Pools, rng: random.Random, lang: str) -> None:
        self.pools, self.rng, self.lang = pools, rng, lang
        self.loc = weighted(rng, fv.LANG_LOCALES[lang])
        self.personas: dict[str, Persona] = {}
        self.cache: dict[str, str] = {}

    def persona(self, key: str) -> Persona:
        p = self.personas.get(key)
        if p is None:
            loc = self.loc if key == "p" else weighted(self.rng, fv.LANG_LOCALES[self.lang])
            p = self.personas[key] = fv.make_persona(self.rng, self.pools, loc)
        return p

    def slot(self, name: str) -> tuple[str, str | None]:
        if name in SLOTS:
            label, fn = SLOTS[name]
            if name in CACHED:
                if name not in self.cache:
                    self.cache[name] = fn(self)
                return self.cache[name], label
            return fn(self), label
        return self.filler(name), None

    def filler(self, name: str) -> str:
        bank = fillers.FILLERS[self.lang].get(name) or fillers.FILLERS["en"][name]
        return self.rng.choice(bank)

    def choice(self, seq):
        return self.rng.choice(seq)


# ---- people ------------------------------------------------------------------------------

def _full(ctx: Ctx, key: str) -> str:
    cache_key = f"full_{key}"
    if cache_key not in ctx.cache:
        p, r = ctx.persona(key), ctx.rng.random()
        if r < 0.07:
            ctx.cache[cache_key] = f"{p.first} {ctx.rng.choice('ABCDEFGHJKLMNPRSTW')}. {p.last}"
        elif r < 0.11:
            ctx.cache[cache_key] = f"{p.first[0]}. {p.last}"
        else:
            ctx.cache[cache_key] = f"{p.first} {p.last}"
    return ctx.cache[cache_key]


def _titled(ctx: Ctx, key: str) -> str:
    """Honorific + name as ONE PERSON span (TAB convention: "Mr Utku Karaarslan")."""
    p = ctx.persona(key)
    hon = ctx.choice(V.HONORIFICS[ctx.lang][p.gender])
    r = ctx.rng.random()
    if r < 0.55:
        return f"{hon} {p.last}"
    if r < 0.9:
        return f"{hon} {p.first} {p.last}"
    return f"{hon} {p.first[0]}. {p.last}"


def _email(ctx: Ctx, key: str) -> str:
    p = ctx.persona(key)
    if key == "a":
        return fv.make_email(ctx.rng, p.first, p.last, _company_domain(ctx, "a_company"))
    return p.email


def _phone(ctx: Ctx, key: str) -> str:
    return ctx.pools.pick(ctx.rng, ctx.persona(key).locale, "phone_number")


# ---- places and organisations ------------------------------------------------------------

def _addr(ctx: Ctx) -> str:
    raw = ctx.pools.pick(ctx.rng, ctx.persona("p").locale, "address")
    return ", ".join(line.strip() for line in raw.split("\n") if line.strip())


def _loc_field(fld: str) -> Callable[[Ctx], str]:
    return lambda ctx: ctx.pools.pick(ctx.rng, ctx.persona("p").locale, fld)


def _org(ctx: Ctx) -> str:
    if ctx.rng.random() < 0.55:
        return ctx.pools.pick(ctx.rng, ctx.loc, "company")
    a, b, c = V.ORG_WORDS
    return f"{ctx.choice(a)}{ctx.choice(b)} {ctx.choice(c)}"


def _company_domain(ctx: Ctx, slot: str) -> str:
    name, _ = ctx.slot(slot)
    stem = fv.ascii_fold(name.split(",")[0].split(" ")[0]) or "example"
    return stem + ctx.choice(TLD[ctx.lang])


def _pattern_org(kind: str) -> Callable[[Ctx], str]:
    def fn(ctx: Ctx) -> str:
        pat = ctx.choice(V.ORG_PATTERNS[kind][ctx.lang])
        city = ctx.pools.pick(ctx.rng, ctx.loc, "city")
        last = ctx.choice(ctx.pools.names[ctx.loc][2])
        out = pat.replace("{city}", city).replace("{last}", last)
        return out.replace("{saint}", ctx.choice(V.SAINTS))
    return fn


# ---- identifiers -------------------------------------------------------------------------

def _pattern(name: str) -> Callable[[Ctx], str]:
    """Fill a pattern from V.ID_PATTERNS: '#' -> digit, '@' -> capital letter."""
    def fn(ctx: Ctx) -> str:
        pats = V.ID_PATTERNS[name]
        pat = ctx.choice(pats[ctx.lang] if isinstance(pats, dict) else pats)
        rng = ctx.rng
        return "".join(rng.choice("0123456789") if ch == "#" else
                       rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") if ch == "@" else ch for ch in pat)
    return fn


def _iban(ctx: Ctx) -> str:
    raw = ctx.pools.pick(ctx.rng, ctx.persona("p").locale, "iban")
    return fv.group(raw) if ctx.rng.random() < 0.4 else raw


def _demo(kind: str) -> Callable[[Ctx], str]:
    return lambda ctx: ctx.choice(V.DEMOGRAPHIC[ctx.lang][kind])


def _med(kind: str) -> Callable[[Ctx], str]:
    return lambda ctx: ctx.choice(V.MEDICAL[ctx.lang][kind])


def _job_title(ctx: Ctx) -> str:
    if ctx.lang == "en" and ctx.rng.random() < 0.3:
        return ctx.pools.pick(ctx.rng, "en_US", "job")
    return ctx.choice(V.JOB_TITLES[ctx.lang])


def _url(ctx: Ctx) -> str:
    dom = _company_domain(ctx, "company")
    return ctx.choice((f"https://www.{dom}/", f"https://{dom}", f"http://{dom}/contact",
                       f"https://shop.{dom}/account", f"www.{dom}"))


def _profile_url(ctx: Ctx) -> str:
    p = ctx.persona("p")
    slug = f"{fv.ascii_fold(p.first)}-{fv.ascii_fold(p.last)}"
    return ctx.choice((f"https://www.linkedin.com/in/{slug}-{digits(ctx.rng, 4)}",
                       f"https://github.com/{p.username}", f"https://twitter.com/{p.username}",
                       f"linkedin.com/in/{slug}"))


def _cc(ctx: Ctx) -> str:
    return fv.fmt_cc(ctx.rng, ctx.pools.pick(ctx.rng, "en_US", "cc"))


SLOTS: dict[str, tuple[str, Callable[[Ctx], str]]] = {
    # people
    "name": ("PERSON", lambda c: _full(c, "p")),
    "first": ("PERSON", lambda c: c.persona("p").first),
    "last": ("PERSON", lambda c: c.persona("p").last),
    "tname": ("PERSON", lambda c: _titled(c, "p")),
    "a_name": ("PERSON", lambda c: _full(c, "a")),
    "a_first": ("PERSON", lambda c: c.persona("a").first),
    "a_tname": ("PERSON", lambda c: _titled(c, "a")),
    "o_name": ("PERSON", lambda c: _full(c, "o")),
    "o_first": ("PERSON", lambda c: c.persona("o").first),
    "o_tname": ("PERSON", lambda c: _titled(c, "o")),
    # contact
    "email": ("EMAIL", lambda c: _email(c, "p")),
    "a_email": ("EMAIL", lambda c: _email(c, "a")),
    "o_email": ("EMAIL", lambda c: _email(c, "o")),
    "phone": ("PHONE", lambda c: _phone(c, "p")),
    "a_phone": ("PHONE", lambda c: _phone(c, "a")),
    "o_phone": ("PHONE", lambda c: _phone(c, "o")),
    "username": ("USERNAME", lambda c: c.persona("p").username),
    "o_username": ("USERNAME", lambda c: c.persona("o").username),
    # places
    "address": ("LOCATION", _addr),
    "address_ml": ("LOCATION", _loc_field("address")),
    "street": ("LOCATION", _loc_field("street_address")),
    "city": ("LOCATION", _loc_field("city")),
    "postcode": ("LOCATION", _loc_field("postcode")),
    "country": ("LOCATION", lambda c: c.choice(c.pools.countries[c.lang])),
    # time
    "date": ("DATE", lambda c: fv.fmt_date(c.rng, c.lang)),
    "dob": ("DATE", lambda c: fv.fmt_date(c.rng, c.lang, 1938, 2006)),
    "time": ("DATE", lambda c: fv.fmt_time(c.rng, c.lang)),
    "datetime": ("DATE", lambda c: fv.fmt_datetime(c.rng, c.lang)),
    "ts": ("DATE", lambda c: fv.fmt_ts(c.rng)),
    "clf_date": ("DATE", lambda c: fv.fmt_clf(c.rng)),
    "weekday": ("DATE", lambda c: c.choice(fv.WEEKDAYS[c.lang][:5])),
    "year": ("DATE", lambda c: str(c.rng.randint(1975, 2024))),
    "age": ("AGE", lambda c: str(c.rng.randint(18, 92) if c.rng.random() < 0.9
                                 else c.rng.randint(2, 17))),
    # organisations
    "company": ("ORGANIZATION", _org),
    "a_company": ("ORGANIZATION", _org),
    "hospital": ("ORGANIZATION", _pattern_org("hospital")),
    "school": ("ORGANIZATION", _pattern_org("school")),
    "agency": ("ORGANIZATION", _pattern_org("agency")),
    "insurer": ("ORGANIZATION", _pattern_org("insurer")),
    "bank": ("ORGANIZATION", _pattern_org("bank")),
    # identifiers
    "ssn": ("ID", lambda c: c.pools.pick(c.rng, "en_US", "ssn") if c.lang == "en"
            else _pattern("nat_id")(c)),
    "plate": ("ID", lambda c: c.pools.pick(c.rng, c.persona("p").locale, "license_plate")),
    **{name: ("ID", _pattern(name)) for name in V.ID_PATTERNS},
    # money
    "cc": ("CREDIT_CARD", _cc),
    "iban": ("BANK_ACCOUNT", _iban),
    "acct_no": ("BANK_ACCOUNT", _pattern("acct_no")),
    # network and secrets
    "ip": ("IP_ADDRESS", lambda c: fv.fmt_ipv4(c.rng)),
    "ipv6": ("IP_ADDRESS", lambda c: fv.fmt_ipv6(c.rng)),
    "url": ("URL", _url),
    "domain": ("URL", lambda c: _company_domain(c, "company")),
    "profile_url": ("URL", _profile_url),
    "password": ("CREDENTIAL", lambda c: fv.fmt_password(c.rng)),
    "api_key": ("CREDENTIAL", lambda c: fv.fmt_api_key(c.rng)),
    "token": ("CREDENTIAL", lambda c: fv.fmt_token(c.rng)),
    # sensitive attributes
    "nationality": ("DEMOGRAPHIC", _demo("nationality")),
    "religion": ("DEMOGRAPHIC", _demo("religion")),
    "ethnicity": ("DEMOGRAPHIC", _demo("ethnicity")),
    "party": ("DEMOGRAPHIC", _demo("party")),
    "job_title": ("TITLE", _job_title),
    "condition": ("MEDICAL", _med("condition")),
    "medication": ("MEDICAL", _med("medication")),
    "treatment": ("MEDICAL", _med("treatment")),
}

FILLER_SLOTS = frozenset(fillers.FILLERS["en"])


def known_slot(name: str) -> bool:
    return name in SLOTS or name in FILLER_SLOTS


def is_labelled(name: str) -> bool:
    return name in SLOTS

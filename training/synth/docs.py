"""Domain document builders: compose rendered templates into realistic documents."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from synth.banks import Bank
from synth.seg import Seg, compile_template, join, lit, map_case, prefix_lines
from synth.slots import Ctx

Tpl = tuple[tuple[bool, str], ...]
CALL_HEADERS = ("Call transcript", "CALL TRANSCRIPT", "Transcript (auto-generated)",
                "Inbound call - Billing queue")


@dataclass(slots=True)
class B:
    """Build state for one document."""

    ctx: Ctx
    bank: Bank
    clean: bool  # True: no PII anywhere, hard negatives only
    used: set[int] = field(default_factory=set)  # templates already used in this document

    @property
    def rng(self):
        return self.ctx.rng

    def p(self, prob: float) -> bool:
        return self.ctx.rng.random() < prob


def render(ctx: Ctx, tpl: Tpl) -> Seg:
    seg = Seg()
    for is_slot, text in tpl:
        if is_slot:
            value, label = ctx.slot(text)
            seg.add(value.strip() if label else value, label)
        else:
            seg.add(text)
    return seg


@lru_cache(maxsize=256)
def tpl(text: str) -> Tpl:
    return compile_template(text)


def pick(b: B, bank: dict, kind: str = "", share: float = 0.5) -> Seg:
    """Render one template from bank["pii"|"neg"] (or bank[kind+"_pii"|kind+"_neg"])."""
    pii = not b.clean and b.p(share)
    key = f"{kind}_{'pii' if pii else 'neg'}" if kind else ("pii" if pii else "neg")
    options = bank[key]
    for _ in range(4):  # avoid repeating a sentence within one document
        t = b.rng.choice(options)
        if id(t) not in b.used:
            break
    b.used.add(id(t))
    return render(b.ctx, t)


def sentences(b: B, bank: dict, n: int, share: float, kind: str = "") -> list[Seg]:
    return [pick(b, bank, kind, share) for _ in range(n)]


def layout(b: B, segs: list[Seg]) -> Seg:
    """Sentences as a paragraph, lines, bullets or several paragraphs."""
    r = b.rng.random()
    if len(segs) > 2 and r < 0.15:
        bullet = b.rng.choice(b.bank.STRUCT["bullets"])
        return join("\n", [lit(bullet).extend(s) for s in segs])
    if r < 0.5 or len(segs) == 1:
        return join(" ", segs)
    if r < 0.75:
        return join("\n", segs)
    paras, i = [], 0
    while i < len(segs):
        k = b.rng.randint(1, 3)
        paras.append(join(" ", segs[i:i + k]))
        i += k
    return join("\n\n", paras)


def _snake(key: str) -> str:
    key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_") or "field"


def fields(b: B, bank: dict, n: int, share: float) -> Seg:
    """A record as 'Key: value' lines, a pipe table, tab-separated lines or one JSON object."""
    chosen, seen = [], set()
    for _ in range(n):
        key, vt = b.rng.choice(bank["pii" if not b.clean and b.p(share) else "neg"])
        if key not in seen:
            seen.add(key)
            chosen.append((key, render(b.ctx, vt)))
    fmt = b.rng.choice(("kv", "kv", "kv", "pipe", "tab", "json", "bold"))
    if fmt == "json":
        return _json_record(b, chosen)
    sep = {"kv": ": ", "pipe": " | ", "tab": "\t", "bold": ":** "}[fmt]
    pre = "**" if fmt == "bold" else ""
    upper = b.p(0.1)
    return join("\n", [lit(f"{pre}{k.upper() if upper else k}{sep}").extend(v) for k, v in chosen])


def _json_record(b: B, chosen: list[tuple[str, Seg]]) -> Seg:
    items = [(k, v) for k, v in chosen if not re.search(r'["\\\n\t]', v.text)]
    indent = b.p(0.5)
    out = lit("{\n  " if indent else "{")
    for i, (k, v) in enumerate(items):
        if i:
            out.add(",\n  " if indent else ", ")
        out.add(f'{json.dumps(_snake(k))}: "').extend(v).add('"')
    return out.add("\n}" if indent else "}")


def heading(b: B, options: list[str]) -> Seg:
    h = b.rng.choice(options)
    return lit(h.upper() if b.p(0.3) else h)


# ---- domains -----------------------------------------------------------------------------

def ticket(b: B) -> Seg:
    parts = []
    if b.p(0.5):
        parts.append(fields(b, b.bank.TICKET_FIELDS, b.rng.randint(2, 6), 0.5))
    body = []
    if b.p(0.4):
        body.append(pick(b, b.bank.EMAIL, "greet", 0.4))
    body.append(layout(b, sentences(b, b.bank.TICKET, b.rng.randint(1, 6), 0.45)))
    parts.append(join("\n", body))
    if b.p(0.35):
        reply = [lit(b.rng.choice(b.bank.STRUCT["ticket_reply"]))]
        reply.append(layout(b, sentences(b, b.bank.TICKET, b.rng.randint(1, 3), 0.3)))
        parts.append(join("\n", reply))
    return join("\n\n", parts)


def _email_headers(b: B) -> Seg:
    h = b.bank.STRUCT["email_headers"]
    lines = []
    if not b.clean:
        lines.append(lit(f"{h['from']}: ").extend(render(b.ctx, tpl(b.rng.choice(
            ("{name} <{email}>", "{email}", '"{name}" <{email}>', "{name}"))))))
        lines.append(lit(f"{h['to']}: ").extend(render(b.ctx, tpl(b.rng.choice(
            ("{a_name} <{a_email}>", "{a_email}", "{a_name}"))))))
        if b.p(0.25):
            lines.append(lit(f"{h['cc']}: ").extend(render(b.ctx, tpl("{o_email}"))))
        if b.p(0.6):
            lines.append(lit(f"{h['date']}: ").extend(render(b.ctx, tpl("{datetime}"))))
    lines.append(lit(f"{h['subject']}: ").extend(pick(b, b.bank.EMAIL, "subject", 0.4)))
    return join("\n", lines)


def email(b: B) -> Seg:
    E = b.bank.EMAIL
    parts = []
    if b.p(0.55):
        parts.append(_email_headers(b))
    if b.p(0.85):
        parts.append(pick(b, E, "greet", 0.6))
    parts.append(layout(b, sentences(b, E, b.rng.randint(1, 7), 0.45)))
    if b.p(0.8):
        signoff = render(b.ctx, b.rng.choice(E["signoff"]))
        parts.append(join("\n", [signoff, pick(b, E, "sig", 0.7)]))
    if b.p(0.25):
        quoted = _quoted(b)
        if quoted is not None:
            parts.append(quoted)
    return join("\n\n", parts)


def _quoted(b: B) -> Seg | None:
    E = b.bank.EMAIL
    if b.clean:
        intro = lit("-----Original Message-----")
    else:
        intro = render(b.ctx, b.rng.choice(E["quote_pii"]))
    body = join("\n", sentences(b, E, b.rng.randint(1, 3), 0.4))
    quoted = prefix_lines(body, b.rng.choice(("> ", ">")))
    return None if quoted is None else join("\n", [intro, quoted])


def _speakers(b: B, C: dict) -> list[Seg]:
    if b.clean:
        return [render(b.ctx, t) for t in b.rng.sample(C["speaker_neg"], 2)]
    opts = ("{first}", "{a_first}", "{username}", "{name}", "{a_name}", "{o_username}")
    speakers = [render(b.ctx, tpl(t)) for t in b.rng.sample(opts, 2)]
    if b.p(0.3):
        speakers[b.rng.randrange(2)] = render(b.ctx, b.rng.choice(C["speaker_neg"]))
    return speakers


def chat(b: B) -> Seg:
    C = b.bank.CHAT
    speakers = _speakers(b, C)
    pre, post = b.rng.choice((("", ": "), ("<", "> "), ("", ": "), ("", " - ")))
    stamp, lower = not b.clean and b.p(0.5), b.p(0.5)
    lines = []
    for i in range(b.rng.randint(2, 10)):
        line = Seg()
        if stamp:
            line.add("[").extend(render(b.ctx, tpl("{time}"))).add("] ")
        line.add(pre).extend(speakers[i % 2]).add(post).extend(pick(b, C, "", 0.45))
        lines.append(map_case(line, str.lower) if lower and b.p(0.5) else line)
    return join("\n", lines)


def call(b: B) -> Seg:
    C = b.bank.CALL
    agent = render(b.ctx, b.rng.choice(C["speaker_agent"]))
    if not b.clean and b.p(0.25):
        agent = render(b.ctx, tpl("{a_first}")).add(" (Agent)")
    caller = render(b.ctx, b.rng.choice(C["speaker_caller"]))
    elapsed = b.p(0.4)
    turns = []
    if b.p(0.4):
        turns.append(lit(b.rng.choice(CALL_HEADERS)))
    sec = 0
    for i in range(b.rng.randint(3, 10)):
        who, kind = (agent, "agent") if i % 2 == 0 else (caller, "caller")
        line = Seg()
        if elapsed:
            sec += b.rng.randint(3, 40)
            line.add(f"[{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}] ")
        line.extend(who).add(": ")
        line.extend(join(" ", sentences(b, C, b.rng.randint(1, 2), 0.45, kind)))
        turns.append(line)
    return join("\n", turns)


def log(b: B) -> Seg:
    L = b.bank.LOG
    style = "none" if b.clean else b.rng.choice(("ts", "ts", "bracket", "none"))
    lines = []
    for _ in range(b.rng.randint(2, 12)):
        line = Seg()
        if style == "ts":
            line.extend(render(b.ctx, tpl("{ts}"))).add(" ")
        elif style == "bracket":
            line.add("[").extend(render(b.ctx, tpl("{ts}"))).add("] ")
        elif b.p(0.3):
            line.add(f"[{b.ctx.filler('service')}] ")
        lines.append(line.extend(pick(b, L, "", 0.35)))
    return join("\n", lines)


def _record(b: B, bank: dict, fbank: dict, headings: list[str]) -> Seg:
    parts = []
    if b.p(0.6):
        parts.append(fields(b, fbank, b.rng.randint(3, 8), 0.5))
    for _ in range(b.rng.randint(1, 3)):
        sec = [heading(b, headings)] if b.p(0.6) else []
        sec.append(layout(b, sentences(b, bank, b.rng.randint(1, 4), 0.5)))
        parts.append(join("\n", sec))
    return join("\n\n", parts)


def hr(b: B) -> Seg:
    return _record(b, b.bank.HR, b.bank.HR_FIELDS, b.bank.STRUCT["note_headings"])


def medical(b: B) -> Seg:
    return _record(b, b.bank.MEDICAL, b.bank.MED_FIELDS, _raw_headings(b))


def _raw_headings(b: B) -> list[str]:
    return ["".join(t for _, t in h) for h in b.bank.MEDICAL["headings"]]


def insurance(b: B) -> Seg:
    return _record(b, b.bank.INSURANCE, b.bank.INS_FIELDS, b.bank.STRUCT["note_headings"])


def crm(b: B) -> Seg:
    rec = fields(b, b.bank.CRM_FIELDS, b.rng.randint(4, 12), 0.55)
    if b.p(0.08):
        rec = map_case(rec, str.upper)
    if not b.p(0.5):
        return rec
    notes = layout(b, sentences(b, b.bank.CRM, b.rng.randint(1, 4), 0.45))
    title = lit(b.rng.choice(("Notes:", "Activity:", "NOTES", "Comments:")))
    return join("\n\n", [rec, join("\n", [title, notes])])


def llm(b: B) -> Seg:
    parts = []
    if b.p(0.25):
        parts.append(render(b.ctx, b.rng.choice(b.bank.LLM["neg"])))
    parts.append(pick(b, b.bank.LLM, "", 0.6))
    if b.p(0.45 if b.clean else 0.3):
        src = b.rng.choice((b.bank.EMAIL, b.bank.TICKET))
        inner = join(" ", sentences(b, src, b.rng.randint(1, 4), 0.5))
        fence = b.rng.choice(('"""', "```", "---"))
        parts.append(join("\n", [lit(fence), inner, lit(fence)]))
    seg = join(b.rng.choice(("\n", " ", "\n\n")), parts)
    return map_case(seg, str.lower) if b.p(0.2) else seg


BUILDERS: dict[str, Callable[[B], Seg]] = {
    "ticket": ticket, "email": email, "chat": chat, "call_transcript": call, "log": log,
    "hr": hr, "medical": medical, "insurance": insurance, "crm": crm, "llm_prompt": llm,
}

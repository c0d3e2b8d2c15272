"""The validated-pattern detector: RE2 patterns, library validators, context scoring.

Every pattern is compiled with RE2, whose matching time is linear in the input
(no backtracking, so no catastrophic cases); validators run on bounded-length
candidates only. A document is encoded to UTF-8 once; one pass of RE2 Sets
says which patterns match at all, and only those run again to extract spans.
Most patterns never match a given text, so this keeps prose above 1M chars/s
on one core.

Overlaps among pattern findings resolve by rank (a vendor token over a
checksum-validated ID over a format-only match), then length, then score.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import re2

from veil.detect import _contact, _finance, _ids, _places, _refs, _secrets, _temporal, _web
from veil.detect._context import ContextMatcher, Seen
from veil.detect._spec import (
    UNVERIFIED_BONUS,
    VALIDATION_BYTES,
    VALIDATION_FLOOR,
    PatternSpec,
    Verdict,
)
from veil.detect._types import Finding, Label
from veil.errors import ConfigError

__all__ = ["LOCALES", "PatternDetector", "all_specs"]

LOCALES: frozenset[str] = frozenset({"us", "gb", "de", "fr", "es", "it", "nl", "in", "eu"})

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = 32 << 20  # the month-name and TLD alternations need more than RE2's 8 MiB
_MAX_VALUE = 96  # bytes: the longest value a context-only spec (a grouped number) can have
_SET_OPTIONS = re2.Options()
_SET_OPTIONS.log_errors = False
_SET_OPTIONS.max_mem = 64 << 20  # per Set; a budget, not an allocation
_SHORT_TEXT = 4096  # bytes: up to this, one Set over every pattern (see _set)


def all_specs(regions: Iterable[str] = _contact.PHONE_REGIONS.values()) -> tuple[PatternSpec, ...]:
    """Every built-in spec; phones are tried against ``regions`` (phonenumbers codes)."""
    return (
        *_secrets.SPECS,
        *_contact.specs(regions),
        *_web.specs(),
        *_finance.SPECS,
        *_ids.SPECS,
        *_refs.SPECS,
        *_temporal.specs(),
        *_places.SPECS,
    )


class _Doc:
    """One text as the patterns see it: UTF-8 bytes, context words found so far, and
    how many costly validations it may still spend."""

    __slots__ = ("budget", "data", "seen")

    def __init__(self, text: str) -> None:
        # errors="replace": a lone surrogate becomes one byte "?", so offsets stay aligned
        self.data = text.encode("utf-8", "replace")
        self.seen: Seen = {}
        self.budget = max(VALIDATION_FLOOR, len(self.data) // VALIDATION_BYTES)


# A scored candidate, as a tuple so sorting is fast and natural: most specific first
# (rank, then length, then score), ties to the earlier spec, then the earlier span.
# (-rank, -length, -score, rule order, start, end, score, subtype, rule)
_Hit = tuple[int, int, float, int, int, int, float, str, "_Rule"]


class _Rule:
    """A compiled spec: runs its pattern over a document and collects scored hits."""

    __slots__ = ("context", "context_first", "detector", "group", "order", "regex", "spec")

    def __init__(self, spec: PatternSpec, order: int) -> None:
        self.spec, self.order = spec, order
        self.regex = re2.compile(spec.pattern, _OPTIONS)
        self.context = ContextMatcher(spec.context, spec.negative, spec.window)
        self.detector = f"pattern:{spec.name}"
        self.group = spec.group if isinstance(spec.group, int) else None
        # Context-only specs look for their words first and scan only after them; the
        # others validate first and score context after, since most candidates fail.
        self.context_first = spec.requires_context

    def scan(self, doc: _Doc, out: list[_Hit]) -> None:
        memo: dict[bytes, Verdict | None] = {}  # per call: a repeated value validates once
        for pos, endpos in self._windows(doc):
            self._scan(doc, pos, endpos, memo, out)

    def _windows(self, doc: _Doc) -> list[tuple[int, int]]:
        """Where to look: everywhere, or only right after context words if they are required."""
        if not self.context_first:
            return [(0, len(doc.data))]
        return self.context.windows(doc.data, doc.seen, _MAX_VALUE)

    def _scan(
        self, doc: _Doc, pos: int, endpos: int, memo: dict[bytes, Verdict | None], out: list[_Hit]
    ) -> None:
        for spans in _match_spans(self.regex, doc.data, pos, endpos):
            start, end = spans[self.group] if self.group is not None else self._span(spans)
            if start < 0:
                continue
            if not self.spec.items:
                self._hit(doc, start, end, memo, out)
                continue
            for item_start, item_end in _items(doc.data, start, end):
                self._hit(doc, item_start, item_end, memo, out)

    def _span(self, spans: list[tuple[int, int]]) -> tuple[int, int]:
        """The first capture group among ``spec.group`` that took part in the match."""
        for group in self.spec.groups:
            start, end = spans[group]
            if start >= 0:
                return start, end
        return -1, -1

    def _hit(
        self, doc: _Doc, start: int, end: int, memo: dict[bytes, Verdict | None], out: list[_Hit]
    ) -> None:
        spec = self.spec
        delta, positive = 0.0, False
        if self.context_first:  # context-only numbers: no context word, no validation
            delta, positive = self.context.adjust(doc.data, start, doc.seen)
            if not positive:
                return
        raw = doc.data[start:end]
        verdict = memo[raw] if raw in memo else memo.setdefault(raw, self._validate(raw, doc))
        if verdict is None:
            return
        value_start = start
        start, end = _narrow(raw, start, verdict)
        if start >= end or (spec.edge is not None and not spec.edge(doc.data, start, end)):
            return
        if self.context.active and not self.context_first:  # context is read before the value
            delta, positive = self.context.adjust(doc.data, value_start, doc.seen)
        score = min(1.0, max(0.0, spec.score + verdict.bonus + delta))
        if score < spec.min_score:
            return
        subtype = verdict.subtype or spec.subtype
        if positive and spec.context_subtype:
            subtype = spec.context_subtype
        out.append((-spec.rank, start - end, -score, self.order, start, end, score, subtype, self))

    def _validate(self, raw: bytes, doc: _Doc) -> Verdict | None:
        spec, value = self.spec, raw.decode("utf-8")
        if spec.precheck is not None and spec.precheck(value) is None:
            return None
        if spec.check is None:
            return Verdict(0, len(value))
        if spec.costly:
            if doc.budget <= 0:  # fail closed: accept unverified rather than skip or stall
                return Verdict(0, len(value), f"{spec.subtype}_UNVERIFIED", UNVERIFIED_BONUS)
            doc.budget -= 1
        return spec.check(value)


def _match_spans(
    regex: re2._Regexp, data: bytes, pos: int, endpos: int
) -> Iterator[list[tuple[int, int]]]:
    """``[m.span(g) for g in groups]`` for each ``m`` in ``regex.finditer(data, pos, endpos)``.

    google-re2's ``finditer`` builds a Python match object per match (four Python calls
    each); a megabyte of findings spends more there than in RE2. This loop calls the
    compiled regexp directly, as ``finditer`` does for bytes, where that private
    interface is present, and falls back to ``finditer`` where it is not
    (tests/test_patterns.py checks that both agree).
    """
    compiled = getattr(regex, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if compiled is None or anchor is None:
        groups = range(regex.groups + 1)
        for match in regex.finditer(data, pos, endpos):
            yield [match.span(g) for g in groups]
        return
    pos, endpos = max(0, min(pos, len(data))), max(0, min(endpos, len(data)))
    while pos <= endpos:
        spans = compiled.Match(anchor, data, pos, endpos)
        if spans[0][0] == -1:
            return
        yield spans
        if pos == endpos:
            return
        pos = pos + 1 if pos == spans[0][1] else spans[0][1]


def _items(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans of the comma- or whitespace-separated items in ``data[start:end]``."""
    pos = start
    for token in data[start:end].replace(b",", b" ").split():
        pos = data.find(token, pos, end)
        yield pos, pos + len(token)
        pos += len(token)


def _narrow(raw: bytes, start: int, verdict: Verdict) -> tuple[int, int]:
    """Byte span of the accepted part ``value[verdict.start:verdict.end]``."""
    if raw.isascii():  # also the common whole-value case: byte and character offsets agree
        return start + verdict.start, start + verdict.end
    value = raw.decode("utf-8")
    head = len(value[: verdict.start].encode("utf-8"))
    return start + head, start + head + len(value[verdict.start : verdict.end].encode("utf-8"))


def _resolve(hits: list[_Hit], size: int) -> list[_Hit]:
    """Non-overlapping hits, most specific first, returned in text order.

    A byte map of claimed positions makes each overlap test a C-level ``find`` over
    the hit's own span; each rule's hits never overlap one another, so the total
    work is bounded by (number of rules) x (text length).
    """
    taken = bytearray(size)
    chosen: list[_Hit] = []
    for hit in sorted(hits):
        start, end = hit[4], hit[5]
        if taken.find(1, start, end) >= 0:
            continue
        taken[start:end] = b"\x01" * (end - start)
        chosen.append(hit)
    chosen.sort(key=lambda hit: hit[4])
    return chosen


def _char_offsets(doc: _Doc, hits: list[_Hit]) -> dict[int, int]:
    """Map the hits' byte offsets to character offsets (texts that are not pure ASCII)."""
    positions = sorted({p for h in hits for p in (h[4], h[5])})
    out: dict[int, int] = {}
    chars = previous = 0
    for pos in positions:
        chars += len(doc.data[previous:pos].decode("utf-8"))
        out[pos], previous = chars, pos
    return out


class PatternDetector:
    """Validated patterns for structured PII: IDs, cards, IBANs, contacts, dates, secrets.

    ``labels`` restricts the entity types reported (``None``: all); ``locales``
    restricts country-specific formats to some of ``LOCALES`` (``None``: all).
    """

    name = "patterns"

    def __init__(
        self,
        labels: Iterable[Label] | None = None,
        locales: Iterable[str] | None = None,
    ) -> None:
        wanted = _check_labels(labels)
        scope = _check_locales(locales)
        regions = [code for loc, code in _contact.PHONE_REGIONS.items() if loc in scope]
        self._rules = tuple(
            _Rule(spec, order)
            for order, spec in enumerate(all_specs(regions))
            if spec.label in wanted and (not spec.locales or spec.locales & scope)
        )
        self._prefilter = [(_set(group), group) for group in _by_label(self._rules)]
        self._union = _set(self._rules)

    @property
    def specs(self) -> tuple[PatternSpec, ...]:
        return tuple(rule.spec for rule in self._rules)

    def detect(self, text: str) -> list[Finding]:
        if not text:
            return []
        doc = _Doc(text)
        hits: list[_Hit] = []
        for rule in self._candidates(doc.data):
            rule.scan(doc, hits)
        chosen = _resolve(hits, len(doc.data))
        if len(doc.data) == len(text):  # ASCII: byte offsets are character offsets
            return [Finding(h[4], h[5], h[8].spec.label, h[6], h[8].detector, h[7]) for h in chosen]
        at = _char_offsets(doc, chosen)
        return [
            Finding(at[h[4]], at[h[5]], h[8].spec.label, h[6], h[8].detector, h[7]) for h in chosen
        ]

    def _candidates(self, data: bytes) -> list[_Rule]:
        """Rules whose pattern matches somewhere in ``data``: one RE2 Set over all patterns for
        short texts, one per label for long ones (see ``_sets``)."""
        if len(data) <= _SHORT_TEXT:
            matched = self._union.Match(data)
            if matched:  # the sentinel always matches: None means the Set bailed out
                return [self._rules[i] for i in sorted(matched) if i < len(self._rules)]
        found: list[_Rule] = []
        for patterns, rules in self._prefilter:
            matched = patterns.Match(data)
            if not matched:  # the sentinel always matches: None means the Set bailed out
                found.extend(rules)
            else:
                found.extend(rules[i] for i in matched if i < len(rules))
        found.sort(key=lambda rule: rule.order)
        return found


def _by_label(rules: tuple[_Rule, ...]) -> list[tuple[_Rule, ...]]:
    groups: dict[Label, list[_Rule]] = {}
    for rule in rules:
        groups.setdefault(rule.spec.label, []).append(rule)
    return [tuple(group) for group in groups.values()]


def _set(rules: tuple[_Rule, ...]) -> re2.Set:
    """An RE2 Set of the rules' patterns plus a sentinel.

    The DFA of a Set over every pattern can blow up on long digit soup (seconds per
    MB), so long texts go through one small Set per label instead; on short texts the
    union costs a few microseconds where twelve Sets cost tens. ``Set.Match`` returns
    ``None`` both for "nothing matched" and for a DFA that gave up; the sentinel (the
    empty pattern matches every text) tells the two apart, and a Set that gave up lets
    all its rules run (fail closed: slower, never blind).
    """
    patterns = re2.Set.SearchSet(_SET_OPTIONS)
    for rule in rules:
        patterns.Add(rule.spec.pattern)
    patterns.Add("")
    patterns.Compile()
    return patterns


def _check_labels(labels: Iterable[Label] | None) -> frozenset[Label]:
    if labels is None:
        return frozenset(Label)
    try:
        wanted = frozenset(Label(label) for label in labels)
    except ValueError:
        raise ConfigError(
            f"unknown label in PatternDetector(labels=...); choose from {', '.join(Label)}"
        ) from None
    if not wanted:
        raise ConfigError("PatternDetector(labels=...) is empty; pass None to detect every label")
    return wanted


def _check_locales(locales: Iterable[str] | None) -> frozenset[str]:
    if locales is None:
        return LOCALES
    scope = frozenset(loc.lower() for loc in locales)
    unknown = sorted(scope - LOCALES)
    if unknown or not scope:
        raise ConfigError(
            f"unknown or empty locales {unknown}; choose from {', '.join(sorted(LOCALES))} "
            "or pass None for all"
        )
    return scope

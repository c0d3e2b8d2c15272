"""The analyzer: run detectors, apply confidence bars, merge into one clean finding list.

Validated patterns are precise about *what* a span is; the model is good at
*where* contextual entities are. So on overlap the pattern's span and label
win and the model's finding keeps only what lies outside it (a name next to
an e-mail address stays a name). The result never overlaps, is sorted, and
is deterministic for a given text and configuration.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from veil.detect._language import MODEL_LANGUAGES, guess_language
from veil.detect._types import Detector, Finding, Label
from veil.errors import DetectionError

DEFAULT_MIN_SCORE = 0.5
# Validated formats end where their pattern says: a model span must not stretch an
# e-mail address over the sentence's full stop (the vault would key on the wrong value).
EXACT = frozenset(
    {
        Label.EMAIL,
        Label.PHONE,
        Label.CREDIT_CARD,
        Label.BANK_ACCOUNT,
        Label.IP_ADDRESS,
        Label.URL,
        Label.CREDENTIAL,
    }
)
# Special-category and quasi-identifier classes lean to recall: a missed religion or
# a missed distinctive event re-identifies more than a masked common word costs.
DEFAULT_MIN_SCORES = {Label.DEMOGRAPHIC: 0.3, Label.MISC: 0.3, Label.QUANTITY: 0.3}
UNKNOWN_LANGUAGE_MIN_SCORE = 0.9  # model findings on a language it was not trained on
MAX_MODEL_DENSITY = 0.35  # above this share of flagged chars in a foreign text, trust patterns only


@dataclass
class Analyzer:
    """Runs ``detectors`` over text; ``min_scores`` per label override ``min_score``."""

    detectors: Sequence[Detector]
    min_score: float = DEFAULT_MIN_SCORE
    min_scores: dict[Label, float] = field(default_factory=lambda: dict(DEFAULT_MIN_SCORES))
    labels: frozenset[Label] | None = None

    @classmethod
    def default(cls, *, patterns_only: bool = False, **options: object) -> Analyzer:
        """Validated patterns plus, unless ``patterns_only``, the shipped NER model."""
        from veil.detect._model import NerDetector
        from veil.detect._patterns import PatternDetector

        detectors: list[Detector] = [PatternDetector()]
        if not patterns_only:
            detectors.append(NerDetector())
        return cls(detectors, **options)  # type: ignore[arg-type]

    @property
    def version(self) -> str:
        return "+".join(d.name for d in self.detectors)

    def analyze(self, text: str) -> list[Finding]:
        return self.analyze_batch([text])[0]

    def analyze_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Findings per text. Any detector failure raises DetectionError: fail closed."""
        per_detector = [self._run(d, list(texts)) for d in self.detectors]
        return [
            self._merge(text, [found[i] for found in per_detector]) for i, text in enumerate(texts)
        ]

    def _run(self, detector: Detector, texts: list[str]) -> list[list[Finding]]:
        try:
            batch = getattr(detector, "detect_batch", None)
            if batch is not None:
                return list(batch(texts))
            return [detector.detect(t) for t in texts]
        except DetectionError:
            raise
        except Exception as exc:  # a broken plugin must not let text through unscanned
            raise DetectionError(f"detector {detector.name} failed: {type(exc).__name__}") from None

    def _merge(self, text: str, found: list[list[Finding]]) -> list[Finding]:
        patterns: list[Finding] = []
        model: list[Finding] = []
        for group in found:  # one pass: a megabyte of findings pays per finding once
            for f in filter(self._keep, group):
                (model if _is_model(f) else patterns).append(f)
        model = _language_guard(text, _union(model))
        patterns, reconciled = _outside(text, model, _resolve(patterns))
        return _sorted(patterns + reconciled)

    def _keep(self, f: Finding) -> bool:
        if self.labels is not None and f.label not in self.labels:
            return False
        return f.score >= self.min_scores.get(f.label, self.min_score)


def _is_model(f: Finding) -> bool:
    return f.detector.startswith("model:")


def _sorted(findings: list[Finding]) -> list[Finding]:
    """Findings in their own (tuple) order, independent of input order. Two findings
    equal but for a None and a str subtype cannot be compared as tuples: then the
    same order with a missing subtype as "" (rare; the plain sort is ~5x faster)."""
    try:
        return sorted(findings)
    except TypeError:
        return sorted(findings, key=_order)


def _order(f: Finding) -> tuple[int, int, str, float, str, str]:
    return f.start, f.end, f.label, f.score, f.detector, f.subtype or ""


def _resolve(findings: list[Finding]) -> list[Finding]:
    """Non-overlapping subset, sorted by start: higher score, then longer, then earlier wins.

    Whether a finding is kept depends only on findings it overlaps, so the choice is
    made per cluster of transitively overlapping findings (one sweep by start): a
    megabyte of separate e-mail addresses costs n log n, not n inserts into one list.
    """
    out: list[Finding] = []
    cluster: list[Finding] = []
    reach = -1
    for f in _sorted(findings):
        if f.start >= reach and cluster:
            out.extend(cluster if len(cluster) == 1 else _choose(cluster))
            cluster = []
        cluster.append(f)
        reach = max(reach, f.end) if len(cluster) > 1 else f.end
    out.extend(cluster if len(cluster) == 1 else _choose(cluster))
    return out


def _choose(findings: list[Finding]) -> list[Finding]:
    """``_resolve`` within one cluster: the chosen spans stay sorted, so each candidate
    only checks its two neighbours."""
    starts: list[int] = []
    chosen: list[Finding] = []
    for f in sorted(findings, key=lambda f: (-f.score, -f.length, f.start, f.label.value)):
        i = bisect.bisect_left(starts, f.start)
        if i > 0 and chosen[i - 1].end > f.start:
            continue
        if i < len(chosen) and chosen[i].start < f.end:
            continue
        starts.insert(i, f.start)
        chosen.insert(i, f)
    return chosen


def _union(findings: list[Finding]) -> list[Finding]:
    """Merge overlapping findings into their union, labelled by the best-scored one.

    Used for model spans (word widening can make neighbours touch) and for grown
    pattern unions (one postcode bridging two model spans of an address): choosing
    one of them, as ``_resolve`` would, would leave the other's tail in clear.
    """
    out: list[Finding] = []
    for f in _sorted(findings):
        merged = f
        if out and out[-1].overlaps(f):
            last = out.pop()
            top = last if last.score >= f.score else f
            end = max(last.end, f.end)
            merged = Finding(last.start, end, top.label, top.score, top.detector, top.subtype)
        out.append(merged)
    return out


def _outside(
    text: str, model: list[Finding], patterns: list[Finding]
) -> tuple[list[Finding], list[Finding]]:
    """Model findings reconciled with the (sorted, non-overlapping) pattern findings.

    Same label: the two describe one entity, so the pattern grows to the union
    (a street address around a validated postcode). Different labels: the
    pattern wins its characters and the model keeps the rest, even when the rest
    may be only a context word ("DNI"): over-redacting a word beats leaking a name.
    Returns (patterns after growth, model findings kept).
    """
    ends = [p.end for p in patterns]
    starts = [p.start for p in patterns]
    absorbed: set[int] = set()
    grown: list[Finding] = []
    out: list[Finding] = []
    for f in model:
        lo = bisect.bisect_right(ends, f.start)
        hi = bisect.bisect_left(starts, f.end, lo)  # sorted and disjoint: one slice overlaps
        if lo == hi:
            out.append(f)
            continue
        hits = patterns[lo:hi]
        if f.label not in EXACT and all(p.label == f.label for p in hits):
            absorbed.update(range(lo, hi))
            grown.append(_union_with(f, hits))
        else:  # fail safe: the rest may be a context word ("DNI"), or a first name
            out.extend(_remainder(text, f, hits))
    kept = [p for i, p in enumerate(patterns) if i not in absorbed]
    return _sorted(kept + _union(grown)), out


def _union_with(f: Finding, hits: list[Finding]) -> Finding:
    """One finding covering ``f`` and the same-label pattern findings ``hits``."""
    best = max(hits, key=lambda p: p.score)
    start = min(f.start, hits[0].start)
    end = max(f.end, hits[-1].end)
    return Finding(start, end, f.label, max(f.score, best.score), best.detector, best.subtype)


def _remainder(text: str, f: Finding, hits: list[Finding]) -> list[Finding]:
    """What of ``f`` lies outside ``hits`` (sorted, disjoint): one walk, linear in hits."""
    pieces, pos = [], f.start
    for p in hits:
        if p.start > pos:
            pieces.append((pos, min(p.start, f.end)))
        pos = max(pos, p.end)
    if pos < f.end:
        pieces.append((pos, f.end))
    pieces = [_strip(text, s, e) for s, e in pieces]
    return [_piece(f, s, e) for s, e in pieces if e - s >= 2]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def _piece(f: Finding, start: int, end: int) -> Finding:
    if (start, end) == (f.start, f.end):
        return f
    return Finding(start, end, f.label, f.score, f.detector, f.subtype)


def _language_guard(text: str, model: list[Finding]) -> list[Finding]:
    """Do not let the model over-redact a language it does not know."""
    if not model:
        return model
    lang = guess_language(text)
    if lang is None or lang in MODEL_LANGUAGES:
        return model
    sure = [f for f in model if f.score >= UNKNOWN_LANGUAGE_MIN_SCORE]
    density = sum(f.length for f in sure) / max(len(text), 1)
    return [] if density > MAX_MODEL_DENSITY else sure

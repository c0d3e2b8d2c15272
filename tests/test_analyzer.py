"""The analyzer's merge rules (src/veil/detect/_analyzer.py), pinned with stub detectors,
and the language guard on the real default analyzer."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.detect import Analyzer, Finding, Label
from veil.detect._language import guess_language
from veil.errors import DetectionError

CANARY = "canary.x9q@example.org"


class StubDetector:
    """TEST DOUBLE: a detector that returns fixed findings (or raises ``fail``) for any text."""

    def __init__(self, name: str, findings: list[Finding], fail: Exception | None = None) -> None:
        self.name = name
        self.findings = findings
        self.fail = fail

    def detect(self, text: str) -> list[Finding]:
        if self.fail is not None:
            raise self.fail
        return list(self.findings)


def at(text: str, part: str, label: Label, score: float, detector: str, **kw: str) -> Finding:
    start = text.index(part)
    return Finding(start, start + len(part), label, score, detector, kw.get("subtype"))


def pattern(text: str, part: str, label: Label, score: float = 0.95, **kw: str) -> Finding:
    return at(text, part, label, score, "pattern:stub", **kw)


def model(text: str, part: str, label: Label, score: float = 0.9) -> Finding:
    return at(text, part, label, score, "model:stub")


def analyze(text: str, *findings: Finding, **options: object) -> list[tuple[str, Label]]:
    pats = [f for f in findings if not f.detector.startswith("model:")]
    mods = [f for f in findings if f.detector.startswith("model:")]
    analyzer = Analyzer(
        [StubDetector("pattern:stub", pats), StubDetector("model:stub", mods)],
        **options,  # type: ignore[arg-type]
    )
    return [(text[f.start : f.end], f.label) for f in analyzer.analyze(text)]


# --- pattern vs model ---------------------------------------------------------------------


def test_pattern_beats_model_on_overlap_with_different_labels() -> None:
    text = "Mail margaret.odonnell@example.org now"
    got = analyze(
        text,
        pattern(text, "margaret.odonnell@example.org", Label.EMAIL),
        model(text, "margaret.odonnell", Label.PERSON, 0.99),  # scores higher, still loses
    )
    assert got == [("margaret.odonnell@example.org", Label.EMAIL)]


def test_same_label_overlap_fuses_into_the_union() -> None:
    text = "She lives at Calle Mayor 5, 28013 Madrid."
    postcode = pattern(text, "28013", Label.LOCATION, 0.85, subtype="POSTCODE")
    [f] = Analyzer(
        [
            StubDetector("pattern:stub", [postcode]),
            StubDetector(
                "model:stub", [model(text, "Calle Mayor 5, 28013 Madrid", Label.LOCATION, 0.7)]
            ),
        ]
    ).analyze(text)
    assert text[f.start : f.end] == "Calle Mayor 5, 28013 Madrid"
    assert (f.label, f.score, f.detector, f.subtype) == (
        Label.LOCATION,
        0.85,
        "pattern:stub",
        "POSTCODE",
    )


def test_two_model_spans_bridged_by_one_pattern_fuse_into_one() -> None:
    """Regression: each model span absorbing the same pattern must not drop the other's tail."""
    text = "Ship to Rue de Rivoli 75001 Paris Cedex today"
    got = analyze(
        text,
        pattern(text, "Rivoli 75001", Label.LOCATION, 0.95),
        model(text, "Rue de Rivoli", Label.LOCATION, 0.9),
        model(text, "75001 Paris Cedex", Label.LOCATION, 0.8),
    )
    assert got == [("Rue de Rivoli 75001 Paris Cedex", Label.LOCATION)]


def test_model_remainder_is_kept_even_when_mostly_inside_a_pattern() -> None:
    # fail safe: the leftover may be a context word ("DNI") or a first name; both stay masked
    text = "Caller Luis (DNI 12345678Z) wants a new address."
    got = analyze(
        text,
        pattern(text, "12345678Z", Label.ID),
        model(text, "DNI 12345678Z", Label.LOCATION),  # 9 of 13 chars inside the ID
    )
    assert got == [("DNI", Label.LOCATION), ("12345678Z", Label.ID)]


def test_model_finding_mostly_outside_keeps_its_remainder() -> None:
    text = "Ask Margaret O'Donnell m.od@x.io about it"
    got = analyze(
        text,
        pattern(text, "m.od@x.io", Label.EMAIL),
        model(text, "Margaret O'Donnell m.od", Label.PERSON),
    )
    assert got == [("Margaret O'Donnell", Label.PERSON), ("m.od@x.io", Label.EMAIL)]


def test_remainder_on_both_sides_of_a_pattern() -> None:
    text = "From Jane <j@x.io> Doe-Smith today"
    got = analyze(
        text,
        pattern(text, "j@x.io", Label.EMAIL),
        model(text, "Jane <j@x.io> Doe-Smith", Label.PERSON),
    )
    assert got == [("Jane", Label.PERSON), ("j@x.io", Label.EMAIL), ("Doe-Smith", Label.PERSON)]


# --- within one kind ----------------------------------------------------------------------


def test_overlapping_patterns_keep_the_higher_score() -> None:
    text = "ref 4111 1111 1111 1111 end"
    got = analyze(
        text,
        pattern(text, "4111 1111 1111 1111", Label.CREDIT_CARD, 0.99),
        pattern(text, "4111 1111", Label.PHONE, 0.6),
    )
    assert got == [("4111 1111 1111 1111", Label.CREDIT_CARD)]


def test_overlapping_model_findings_merge_under_the_best_label() -> None:
    text = "He works for Acme Widgets Holdings now"
    got = analyze(
        text,
        model(text, "Acme Widgets", Label.PERSON, 0.6),
        model(text, "Widgets Holdings", Label.ORGANIZATION, 0.9),
    )
    assert got == [("Acme Widgets Holdings", Label.ORGANIZATION)]


# --- thresholds and failures --------------------------------------------------------------


def test_min_scores_per_label_and_label_filter() -> None:
    text = "Jane Doe, jane@x.io, Acme"
    findings = (
        model(text, "Jane Doe", Label.PERSON, 0.6),
        pattern(text, "jane@x.io", Label.EMAIL, 0.6),
        model(text, "Acme", Label.ORGANIZATION, 0.45),  # under the default bar of 0.5
    )
    assert analyze(text, *findings) == [("Jane Doe", Label.PERSON), ("jane@x.io", Label.EMAIL)]
    assert analyze(text, *findings, min_scores={Label.EMAIL: 0.7}) == [("Jane Doe", Label.PERSON)]
    assert analyze(text, *findings, min_scores={Label.ORGANIZATION: 0.4}) == [
        ("Jane Doe", Label.PERSON),
        ("jane@x.io", Label.EMAIL),
        ("Acme", Label.ORGANIZATION),
    ]
    assert analyze(text, *findings, labels=frozenset({Label.EMAIL})) == [("jane@x.io", Label.EMAIL)]


def test_a_finding_under_its_bar_does_not_shape_others() -> None:
    """A discarded model span must not cut a pattern or be fused into it."""
    text = "Ship to 28013 Madrid"
    got = analyze(
        text,
        pattern(text, "28013", Label.LOCATION),
        model(text, "Ship to 28013", Label.LOCATION, 0.3),
    )
    assert got == [("28013", Label.LOCATION)]


@pytest.mark.parametrize("batch", [False, True])
def test_a_failing_detector_fails_closed(batch: bool) -> None:
    broken = StubDetector("model:broken", [], fail=RuntimeError(f"cannot parse {CANARY}"))
    analyzer = Analyzer([StubDetector("pattern:stub", []), broken])
    with pytest.raises(DetectionError) as info:
        analyzer.analyze_batch(["a", "b"]) if batch else analyzer.analyze("a")
    assert "model:broken" in str(info.value)
    assert "RuntimeError" in str(info.value)
    assert CANARY not in str(info.value)  # the detector's message may quote data
    assert info.value.__cause__ is None  # nor does it ride along as the cause
    assert info.value.__suppress_context__


def test_a_detection_error_passes_through_unchanged() -> None:
    original = DetectionError("model file is corrupt")
    analyzer = Analyzer([StubDetector("model:x", [], fail=original)])
    with pytest.raises(DetectionError) as info:
        analyzer.analyze("a")
    assert info.value is original


# --- invariants over random findings -----------------------------------------------------

TEXT = "abcdefghij klmnopqrst uvwxyzABCD EFGHIJKLMN OPQRSTUVWX"
LABELS = [Label.PERSON, Label.EMAIL, Label.LOCATION, Label.ID]


@st.composite
def findings(draw: st.DrawFn) -> list[Finding]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, 24))  # a crowded stretch: overlaps are the point
        end = draw(st.integers(start + 1, start + 10))
        score = draw(st.sampled_from([0.3, 0.6, 0.8, 0.95]))
        kind = draw(st.sampled_from(["pattern:stub", "model:stub"]))
        out.append(Finding(start, end, draw(st.sampled_from(LABELS)), score, kind))
    return out


@settings(max_examples=300, deadline=None)
@given(findings(), st.randoms(use_true_random=False))
def test_output_is_sorted_disjoint_covered_and_order_free(
    found: list[Finding], rnd: random.Random
) -> None:
    got = analyze(TEXT, *found)
    spans = [
        (f.start, f.end, f.label)
        for f in Analyzer(
            [
                StubDetector("p", [f for f in found if f.detector.startswith("pattern:")]),
                StubDetector("m", [f for f in found if f.detector.startswith("model:")]),
            ]
        ).analyze(TEXT)
    ]
    assert len(spans) == len(got)
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # disjoint
    kept = [f for f in found if f.score >= 0.5]
    for start, end, _ in spans:  # nothing invented outside what a detector reported
        assert all(any(f.start <= i < f.end for f in kept) for i in range(start, end))
    shuffled = found[:]
    rnd.shuffle(shuffled)
    again = [
        (f.start, f.end, f.label)
        for f in Analyzer(
            [
                StubDetector("m", [f for f in shuffled if f.detector.startswith("model:")]),
                StubDetector("p", [f for f in shuffled if f.detector.startswith("pattern:")]),
            ]
        ).analyze(TEXT)
    ]
    assert again == spans  # detector order and finding order do not matter


@st.composite
def one_label(draw: st.DrawFn) -> list[Finding]:
    """Disjoint pattern spans and free model spans, all of one label."""
    cuts = sorted(draw(st.lists(st.integers(0, 30), max_size=6, unique=True)))
    out = [
        Finding(a, b, Label.LOCATION, 0.95, "pattern:stub")
        for a, b in zip(cuts[::2], cuts[1::2], strict=False)
    ]
    for start in draw(st.lists(st.integers(0, 30), max_size=5)):
        end = start + draw(st.integers(1, 8))
        out.append(
            Finding(start, end, Label.LOCATION, draw(st.sampled_from([0.6, 0.9])), "model:m")
        )
    return out


@settings(max_examples=600, deadline=None)
@given(one_label())
def test_one_label_without_pattern_conflicts_covers_the_union(found: list[Finding]) -> None:
    """With nothing to disagree about, merging may fuse spans but never lose a character."""
    out = Analyzer([StubDetector("all", found)]).analyze(TEXT)
    covered = {i for f in out for i in range(f.start, f.end)}
    assert covered == {i for f in found for i in range(f.start, f.end)}


# --- the language guard -------------------------------------------------------------------

FINNISH = (
    "Hei, tilasin viime viikolla uuden puhelimen, mutta se ei ole vielä saapunut. "
    "Seurantakoodi ei toimi ja asiakaspalvelu ei vastaa sähköposteihin. Olen hyvin "
    "pettynyt, koska tarvitsen puhelinta töissä ja kotona. Voisitteko kertoa, milloin "
    "paketti toimitetaan ja onko tilaus ylipäätään lähetetty? Kiitos jo etukäteen "
    "vastauksesta, ja toivon että asia korjataan pian."
)
POLISH = (
    "Dzień dobry, w zeszłym tygodniu zamówiłem nowy telefon, ale jeszcze nie dotarł. "
    "Kod śledzenia nie działa i obsługa klienta nie odpowiada na wiadomości. Jestem "
    "bardzo rozczarowany, bo potrzebuję telefonu w pracy i w domu. Czy mogą Państwo "
    "powiedzieć, kiedy paczka zostanie dostarczona i czy zamówienie w ogóle zostało "
    "wysłane? Z góry dziękuję za odpowiedź i mam nadzieję, że sprawa szybko się wyjaśni."
)
TURKISH = (
    "Merhaba, geçen hafta yeni bir telefon sipariş ettim ama henüz gelmedi. Takip kodu "
    "çalışmıyor ve müşteri hizmetleri e-postalara cevap vermiyor. Çok hayal kırıklığına "
    "uğradım çünkü telefona hem işte hem de evde ihtiyacım var. Paketin ne zaman teslim "
    "edileceğini ve siparişin gönderilip gönderilmediğini söyleyebilir misiniz? Şimdiden "
    "cevabınız için teşekkür ederim, bu sorunun bir an önce çözülmesini umuyorum."
)
ENGLISH = (
    "Yesterday afternoon Margaret O'Donnell met with Thomas Whitfield at the office to "
    "review the quarterly budget. They agreed that the new reporting tool should be rolled "
    "out to the finance team before the end of the month, and that the old spreadsheets "
    "would be archived."
)


def _masked_share(analyzer: Analyzer, text: str) -> float:
    return sum(f.length for f in analyzer.analyze(text)) / len(text)


@pytest.mark.parametrize(("lang", "text"), [("fi", FINNISH), ("pl", POLISH), ("tr", TURKISH)])
def test_unknown_languages_are_not_redacted_wholesale(
    analyzer: Analyzer, lang: str, text: str
) -> None:
    assert guess_language(text) == lang  # the guard's premise
    assert _masked_share(analyzer, text) < 0.15


def test_patterns_still_work_in_unknown_languages(analyzer: Analyzer) -> None:
    text = POLISH.replace("na wiadomości", "na wiadomości pod adresem jan.kowalski@example.pl")
    found = [(text[f.start : f.end], f.label) for f in analyzer.analyze(text)]
    assert ("jan.kowalski@example.pl", Label.EMAIL) in found


def test_english_paragraph_gets_both_names(analyzer: Analyzer) -> None:
    assert guess_language(ENGLISH) == "en"
    people = [
        ENGLISH[f.start : f.end] for f in analyzer.analyze(ENGLISH) if f.label == Label.PERSON
    ]
    assert people == ["Margaret O'Donnell", "Thomas Whitfield"]
    assert _masked_share(analyzer, ENGLISH) < 0.15


def test_guard_raises_the_model_bar_on_foreign_text() -> None:
    words = FINNISH.split()
    first, second = words[0], words[10]
    sure = at(FINNISH, first, Label.PERSON, 0.95, "model:stub")
    unsure = at(FINNISH, second, Label.LOCATION, 0.8, "model:stub")
    assert analyze(FINNISH, sure, unsure) == [(first, Label.PERSON)]
    # The same findings on English text are both kept.
    english = f"{first} and the {second} of the office"
    assert (
        len(
            analyze(
                english,
                model(english, first, Label.PERSON, 0.95),
                model(english, second, Label.LOCATION, 0.8),
            )
        )
        == 2
    )


def test_guard_drops_a_model_that_flags_most_of_a_foreign_text() -> None:
    half = FINNISH.index(".") + 1
    flood = Finding(0, half, Label.PERSON, 0.99, "model:stub")
    rest = Finding(half + 1, len(FINNISH) - 1, Label.ORGANIZATION, 0.99, "model:stub")
    email = "x@y.fi"
    text = FINNISH + " " + email
    got = analyze(text, flood, rest, pattern(text, email, Label.EMAIL))
    assert got == [(email, Label.EMAIL)]  # patterns survive; the model is ignored


def test_model_span_never_stretches_a_validated_email() -> None:
    # regression: the e-mail at a sentence end was fused with the model's span and its
    # full stop, so the vault keyed the value "x@y.org." and forget("x@y.org") found nothing
    text = "Please email margaret.odonnell@example.org."
    got = analyze(
        text,
        pattern(text, "margaret.odonnell@example.org", Label.EMAIL),
        model(text, "margaret.odonnell@example.org.", Label.EMAIL),
    )
    assert got == [("margaret.odonnell@example.org", Label.EMAIL)]


def _greedy(findings: list[Finding]) -> list[Finding]:
    """The overlap rule stated once, quadratic and obvious: best first, keep what fits."""
    chosen: list[Finding] = []
    for f in sorted(findings, key=lambda f: (-f.score, -f.length, f.start, f.label.value)):
        if not any(f.overlaps(c) for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 60),
            st.integers(1, 12),
            st.sampled_from([Label.EMAIL, Label.ID, Label.PHONE]),
            st.sampled_from([0.5, 0.7, 0.9]),
        ),
        max_size=40,
    )
)
def test_resolve_per_cluster_equals_the_global_greedy_rule(
    spans: list[tuple[int, int, Label, float]],
) -> None:
    from veil.detect._analyzer import _resolve

    findings = [Finding(s, s + n, label, score, "pattern:x") for s, n, label, score in spans]
    assert _resolve(findings) == _greedy(findings)


def test_findings_differing_only_in_subtype_do_not_break_the_merge() -> None:
    """Findings are tuples: sorting them whole would compare a None subtype with a str."""
    text = "John called"
    for detector in ("custom", "model:stub"):  # the pattern path and the model path
        twins = [
            Finding(0, 4, Label.PERSON, 0.9, detector),
            Finding(0, 4, Label.PERSON, 0.9, detector, "X"),
        ]
        found = Analyzer([StubDetector(detector, twins)]).analyze(text)
        assert [(f.start, f.end, f.label) for f in found] == [(0, 4, Label.PERSON)]


def test_a_finding_is_checked_however_it_is_built() -> None:
    f = Finding(1, 3, Label.PERSON, 0.5, "x")
    assert f._replace(end=5) == Finding(1, 5, Label.PERSON, 0.5, "x")
    for bad in (lambda: Finding(3, 3, Label.PERSON, 0.5, "x"), lambda: f._replace(end=0)):
        with pytest.raises(ValueError, match="bad span"):
            bad()


LOG_LINES = "\n".join(
    '{"ts":1700000000123,"lvl":"I","uid":"9f3a2c1b-77de-4a10-b2c3-d4e5f6a7b8c9",'
    f'"n":"{name}","ip":"10.21.3.44","mail":"j.doe@example.com"}}'
    for name in ("John Smith", "Maria Garcia", "Li Wu")
)


def test_letters_inside_ids_and_addresses_do_not_vote_for_a_language() -> None:
    """ "77de" in a UUID and "com" in a domain once voted this log Portuguese, and the
    guard then dropped every model finding: the names went out in clear."""
    assert guess_language(LOG_LINES) is None
    assert (
        guess_language("Ela disse que o pedido não chegou e pediu o reembolso com urgência.")
        == "pt"
    )


def test_names_in_a_json_log_survive_the_language_guard(analyzer: Analyzer) -> None:
    found = {
        LOG_LINES[f.start : f.end] for f in analyzer.analyze(LOG_LINES) if f.label == Label.PERSON
    }
    assert {"John Smith", "Maria Garcia", "Li Wu"} <= found

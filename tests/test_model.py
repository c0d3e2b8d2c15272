"""The shipped NER model: offline from the package, versioned, and right on plain cases."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import veil
from veil.detect import Finding, Label
from veil.detect._features import windows
from veil.detect._model import MODEL_DIR, WINDOW, NerDetector

MIN_SCORE = 0.5  # every builtin policy's default bar


def _sure(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.score >= MIN_SCORE]


def test_weights_ship_inside_the_package() -> None:
    package = Path(veil.__file__).resolve().parent
    assert MODEL_DIR.is_relative_to(package)
    for name in ("model.onnx", "tokenizer.json", "meta.json"):
        assert (MODEL_DIR / name).is_file(), name
    assert (MODEL_DIR / "model.onnx").stat().st_size > 1_000_000  # weights, not a pointer file


def test_loads_offline_without_network_modules(tmp_path: Path) -> None:
    """A fresh interpreter with the hub offline and sockets disabled still detects."""
    script = textwrap.dedent(
        """
        import json, socket, sys

        def refuse(*args, **kwargs):
            raise OSError("network access attempted")

        socket.socket.connect = socket.socket.connect_ex = refuse
        socket.create_connection = socket.getaddrinfo = refuse
        from veil.detect._model import NerDetector
        found = NerDetector().detect("Please call Margaret O'Donnell tomorrow")
        net = ["huggingface_hub", "transformers", "torch", "requests", "urllib3", "httpx"]
        print(json.dumps({
            "labels": [f.label.value for f in found if f.score >= 0.5],
            "loaded": sorted(m for m in net if m in sys.modules),
        }))
        """
    )
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {"labels": ["PERSON"], "loaded": []}


def test_has_a_version(ner: NerDetector) -> None:
    meta = json.loads((MODEL_DIR / "meta.json").read_text())
    assert ner.version == meta["version"]
    assert ner.version not in ("", "unversioned")
    assert ner.name == f"model:minilm-pii/{ner.version}"
    assert ner.name in veil.Analyzer.default().version


@pytest.mark.parametrize(
    ("text", "entity", "label"),
    [
        ("Please call Margaret O'Donnell tomorrow", "Margaret O'Donnell", Label.PERSON),
        ("She moved to Lisbon last year", "Lisbon", Label.LOCATION),
        ("He works for Siemens", "Siemens", Label.ORGANIZATION),
    ],
)
def test_finds_contextual_entities(ner: NerDetector, text: str, entity: str, label: Label) -> None:
    found = [(text[f.start : f.end], f.label) for f in _sure(ner.detect(text))]
    assert found == [(entity, label)]


def test_plain_product_sentence_is_left_alone(ner: NerDetector) -> None:
    text = "The export to CSV fails on the Reports page after the 2.14 update"
    assert _sure(ner.detect(text)) == []
    assert veil.scan(text) == []  # nor does any pattern fire


NAMES = [
    "Margaret O'Donnell", "Thomas Whitfield", "Priya Raman", "Hans Müller", "Ana García",
    "Luis Fernández", "Sophie Martin", "Rahul Mehta", "Alice Johnson", "Olga Petrova",
    "Kenji Tanaka", "Fatima Zahra", "Lars Nilsson", "Chloe Dubois", "Tom Becker",
]  # fmt: skip


def _long_document() -> tuple[str, list[tuple[int, int]]]:
    """~80 sentences, one name each; returns the text and the names' spans."""
    parts, spans, pos = [], [], 0
    for i in range(80):
        name = NAMES[i % len(NAMES)]
        sentence = f"Update {i}: the failed export ticket was reassigned to {name} after review. "
        start = pos + sentence.index(name)
        spans.append((start, start + len(name)))
        parts.append(sentence)
        pos += len(sentence)
    return "".join(parts), spans


def test_long_documents_are_stitched_across_windows(ner: NerDetector) -> None:
    text, names = _long_document()
    tokens = len(ner._tokenizer.encode(text, add_special_tokens=False).ids)
    assert len(list(windows(tokens, WINDOW))) > 10
    people = [f for f in _sure(ner.detect(text)) if f.label == Label.PERSON]
    for start, end in names:  # the last window's names as much as the first's
        assert any(f.start <= start and end <= f.end for f in people), text[start:end]
    assert len(people) == len(names)  # no name split at a window seam, none found twice
    assert all(f.end <= len(text) for f in people)


def test_detect_batch_equals_detect(ner: NerDetector) -> None:
    """Batching is an optimisation only: a text's findings (and scores) must not depend on
    what it is batched with, or one document could be redacted differently in two runs."""
    long_text, names = _long_document()
    texts = [
        "Please call Margaret O'Donnell tomorrow",
        long_text,
        "",
        "He works for Siemens",
        "Update 17: the failed export ticket was reassigned to Tom Becker after review.",
    ]
    batched = ner.detect_batch(texts)
    assert batched == [ner.detect(t) for t in texts]
    assert batched == [ner.detect_batch([t])[0] for t in texts]
    expected = [
        {(12, 30, Label.PERSON)},
        {(start, end, Label.PERSON) for start, end in names},
        set(),
        {(13, 20, Label.ORGANIZATION)},
    ]
    for want, found in zip(expected, batched, strict=False):
        assert want <= {(f.start, f.end, f.label) for f in _sure(found)}


def test_sentence_final_full_stop_is_not_part_of_a_name() -> None:
    from veil.detect._model import _trim

    text = "This is Margaret O'Donnell. Ask Acme Inc. or J. Smith."
    name = text.index("Margaret")
    trimmed = _trim(text, name, name + len("Margaret O'Donnell."))
    assert text[slice(*trimmed)] == "Margaret O'Donnell"
    inc = text.index("Acme")
    assert text[slice(*_trim(text, inc, inc + len("Acme Inc.")))] == "Acme Inc."
    j = text.index("J.")
    assert text[slice(*_trim(text, j, j + 2))] == "J."


def test_names_do_not_run_over_a_line_break_but_addresses_do() -> None:
    from veil.detect._model import NerDetector

    ner = NerDetector()
    sig = "Thanks,\nThe team at Siemens.\nMargaret O'Donnell\nHead of Finance"
    for f in ner.detect(sig):
        if f.label.value != "LOCATION":
            assert "\n" not in sig[f.start : f.end], f
    addr = "Ship to 903 Dora Creek Apt. 176\nSCHEIBBS, NO 14908"
    spans = [addr[f.start : f.end] for f in ner.detect(addr) if f.label.value == "LOCATION"]
    assert any("\n" in s for s in spans), spans  # one address over two lines stays one span


def test_function_words_are_never_findings_alone() -> None:
    from veil.detect._model import FUNCTION_WORDS, NerDetector

    assert "us" not in FUNCTION_WORDS  # "US" is a country
    text = "She said that Margaret O'Donnell and her team will call. But a reply is due."
    for f in NerDetector().detect(text):
        assert text[f.start : f.end].casefold() not in FUNCTION_WORDS, f


def test_readable_blanks_what_the_model_cannot_read_and_keeps_offsets() -> None:
    from veil.detect._model import LONG_RUN, readable

    prose = "Mail Margaret O'Donnell at m.odonnell@example.com about Leeds."
    assert readable(prose) == prose
    blob = "k" * LONG_RUN
    text = f"token {blob} for Margaret"
    view = readable(text)
    assert len(view) == len(text)
    assert view == text.replace(blob, " " * len(blob))
    assert readable("x" * (LONG_RUN - 1)) == "x" * (LONG_RUN - 1)  # a long word is still read
    mixed = "Mr. Жуков visited London.\nΠλατεία Συντάγματος 204\nBack in Leeds."
    assert readable(mixed) == mixed  # a foreign name or street inside Latin prose is read
    russian = "Жуков посетил Лондон в мае. " * 200
    view = readable(russian)
    assert len(view) == len(russian)
    assert view.strip() == ""  # a text in a script the model never saw is not


def test_hostile_megabytes_never_reach_the_model(
    ner: NerDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    run = ner._run
    monkeypatch.setattr(ner, "_run", lambda inputs: calls.append(len(inputs)) or run(inputs))
    for text in ("a@" * 500_000, "1." * 500_000, "QUJD" * 250_000, "Жж中文 " * 150_000):
        assert ner.detect(text) == []
    assert calls == []


def test_a_word_gets_one_decision(ner: NerDetector) -> None:
    """Word pieces ("123" "##4") share the word's most confident tag: one finding per
    word at most, never two labels on the same span."""
    text = "Card 4111 1111 1111 1111, ref 1234 5678, account 99887766 for McDonaldson."
    spans = [(f.start, f.end) for f in ner.detect(text)]
    assert len(spans) == len(set(spans)), spans
    for start, end in spans:
        assert start == 0 or not text[start - 1].isalnum()
        assert end == len(text) or not text[end].isalnum()


def test_edge_function_words_are_trimmed_unless_an_entity_continues() -> None:
    from veil.detect._model import _trim

    def trim(text: str, lead: bool = True, tail: bool = True) -> str:
        return text[slice(*_trim(text, 0, len(text), lead, tail))]

    assert trim("Viasat Broadcasting UK Ltd and") == "Viasat Broadcasting UK Ltd"
    assert trim("Chief Executive Officer of") == "Chief Executive Officer"
    assert trim("of London") == "London"
    assert trim("Johnson and Johnson") == "Johnson and Johnson"
    assert trim("the Hague") == "the Hague"
    assert trim("Louis I") == "Louis I"  # only lowercase words are function words
    # "Borough of" + "Southwark": a finding follows, so the preposition stays...
    assert trim("Borough of", tail=False) == "Borough of"
    # ...but a list's conjunction never belongs to a value
    assert trim("Citigroup and", tail=False) == "Citigroup"


def test_vectorised_shapes_equal_the_per_token_rule() -> None:
    import random

    from veil.detect._features import shape_ids, token_shape

    rng = random.Random(3)
    ner = NerDetector()
    for _ in range(200):
        text = "".join(rng.choice("aZ1 .-_'@Mx\n") for _ in range(rng.randint(0, 300)))
        offsets = ner._tokenizer.encode(text, add_special_tokens=False).offsets
        want = [token_shape(text[s:e]) for s, e in offsets]
        assert shape_ids(text, offsets).tolist() == want


def test_letterless_runs_keep_their_edges_for_context() -> None:
    from veil.detect._model import LETTERLESS, LETTERLESS_EDGE, readable

    table = " ".join(f"{n:08d}" for n in range(200))  # 1,799 characters, no letter
    text = f"Account no. {table} closed by Margaret"
    view = readable(text)
    assert len(view) == len(text)
    start = text.index(table) - 1  # the run starts at the space before the table
    run_end = start + 1 + len(table) + 1
    assert view[: start + LETTERLESS_EDGE] == text[: start + LETTERLESS_EDGE]  # context kept
    assert view[start + LETTERLESS_EDGE : run_end - LETTERLESS_EDGE].strip() == ""
    assert view[run_end - LETTERLESS_EDGE :] == text[run_end - LETTERLESS_EDGE :]
    short = "Ref " + "1234 5678 " * ((LETTERLESS - 1) // 10) + "end"
    assert readable(short) == short  # a run under LETTERLESS characters is read whole


# Dense machine text that still carries names: a "symbol soup" gate (skip windows of
# ~0.8 tokens per character) once hid these from the model, found in review; dense text
# is read like any other, whatever it costs.
JSON_LOG = (
    '{"ts":1700000000123,"lvl":"I","uid":"9f3a2c1b-77de-4a10-b2c3-d4e5f6a7b8c9",'
    '"n":"John Smith","ip":"10.21.3.44","p":4431,"rt":0.0123,"c":200,"b":5123,'
    '"ua":"x/1.2.3","ref":"-","h":"7e:21:9a:0c:44:1f","s":"0x7ffd3a2b"}'
)


def _covered(text: str, value: str, findings: list[Finding]) -> int:
    """How many occurrences of ``value`` lie inside one sure finding (what gets masked)."""
    at = [i for i in range(len(text)) if text.startswith(value, i)]
    sure = _sure(findings)
    return sum(any(f.start <= i and i + len(value) <= f.end for f in sure) for i in at)


@pytest.mark.parametrize("name", ["John Smith", "Maria Garcia", "Zbigniew Wojtaszczyk"])
def test_names_in_dense_json_logs_are_read(ner: NerDetector, name: str) -> None:
    line = JSON_LOG.replace("John Smith", name)
    log = "\n".join([line] * 40)  # one window, and many
    assert _covered(line, name, ner.detect(line)) == 1
    assert _covered(log, name, ner.detect(log)) >= 36  # window seams may cost a few


def test_a_name_in_a_table_of_numbers_is_read(ner: NerDetector) -> None:
    import random

    rng = random.Random(7)
    rows = [",".join(f"{rng.uniform(0, 99):.1f}" for _ in range(8)) for _ in range(40)]
    rows[20] = rows[20].replace(rows[20].split(",")[3], "John Smith", 1)
    text = "\n".join(rows)  # letterless runs either side of the name are blanked inside
    assert _covered(text, "John Smith", ner.detect(text)) == 1


def test_tokenising_in_pieces_equals_tokenising_whole(ner: NerDetector) -> None:
    """The tokenizer runs on ~4k-character pieces cut at whitespace; ids and offsets must be
    those of the whole text (a cut inside a word would change both)."""
    import random

    from veil.detect._model import PIECE, readable

    rng = random.Random(11)
    alphabet = "abcXYZ019 .,-\n\t\x0b\x0c\u00a0e\u0301日本Жж@#"
    texts = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(PIECE, 3 * PIECE)))
        for _ in range(6)
    ]
    texts.append(("Margaret O'Donnell lives in Leeds. " * 400)[: 3 * PIECE + 17])
    texts.append("x" * (PIECE + 10))  # no whitespace at all: one piece
    for text in texts:
        doc = ner._encode([text])[0]
        whole = ner._tokenizer.encode(readable(text), add_special_tokens=False)
        assert doc.ids.tolist() == whole.ids
        assert [tuple(b) for b in doc.bounds.tolist()] == whole.offsets


def test_word_bounds_widen_to_whole_words() -> None:
    import random

    import numpy as np

    from veil.detect._model import _alnum_mask, _word_bounds

    def widen(text: str, start: int, end: int) -> tuple[int, int]:  # the rule, one char a step
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum():
            end += 1
        return start, end

    text = "Zoë O'Brien-Smith met 田中太郎 at ÉCOLE42."
    spans = [(1, 2), (7, 8), (23, 24), (31, 33)]
    starts, ends = (np.array(x) for x in zip(*spans, strict=True))
    wide = _word_bounds(_alnum_mask(text), starts, ends)
    words = [text[s:e] for s, e in zip(*wide, strict=True)]
    assert words == ["Zoë", "Brien", "田中太郎", "ÉCOLE42"]
    rng = random.Random(2)
    for _ in range(300):
        text = "".join(rng.choice("ab1 ,.'-éЖ中\n") for _ in range(rng.randint(1, 40)))
        spans = [tuple(sorted(rng.sample(range(len(text) + 1), 2))) for _ in range(5)]
        spans = [(s, e) for s, e in spans if s < e]
        if not spans:
            continue
        starts, ends = (np.array(x) for x in zip(*spans, strict=True))
        wide_starts, wide_ends = _word_bounds(_alnum_mask(text), starts, ends)
        got = list(zip(wide_starts.tolist(), wide_ends.tolist(), strict=True))
        assert got == [widen(text, s, e) for s, e in spans], text


def test_no_finding_bridges_a_stretch_the_model_did_not_read(ner: NerDetector) -> None:
    """Tokens either side of a blanked stretch are neighbours in the token sequence only: a
    run of tagged tokens must not become one finding across it (it once did, and the merge
    then cut that span around 80,000 pattern hits, quadratically)."""
    text = "applications nos. " + "1/11, " * 20_000 + "and 2/12"
    found = ner.detect(text)
    assert found
    assert max(f.length for f in found) < 100, max(f.length for f in found)

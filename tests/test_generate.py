"""Tests for the synthetic PII training-data generator (training/generate.py)."""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("faker", reason="faker is not installed (pip install -e '.[dev]')")

TRAINING = Path(__file__).resolve().parents[1] / "training"
sys.path.insert(0, str(TRAINING))

import generate  # noqa: E402
from synth import banks, seg, slots  # noqa: E402
from synth.docs import BUILDERS  # noqa: E402
from synth.values import Pools  # noqa: E402

N = 300
HONORIFICS = (
    "Mr",
    "Ms",
    "Mrs",
    "Miss",
    "Dr",
    "Herr",
    "Frau",
    "M.",
    "Mme",
    "Madame",
    "Monsieur",
    "Sr.",
    "Sra.",
    "D.",
    "Dña.",
    "Dra.",
)


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return list(generate.generate(N, seed=11, pool_size=20))


def test_schema_and_spans(docs):
    for d in docs:
        assert set(d) == {"id", "domain", "lang", "text", "entities"}
        text, last_end = d["text"], 0
        for e in d["entities"]:
            assert set(e) == {"start", "end", "label"}
            assert e["label"] in slots.LABELS
            assert last_end <= e["start"] < e["end"] <= len(text), (d["id"], e)
            span = text[e["start"] : e["end"]]
            assert span, d["id"]
            assert span == span.strip(), (d["id"], span)
            last_end = e["end"]


def test_json_roundtrip_keeps_offsets(docs):
    for d in docs[:50]:
        back = json.loads(json.dumps(d, ensure_ascii=False))
        assert back == d


def test_faker_lists_do_not_depend_on_hash_seed():
    from synth.values import LOCALES, _faker

    for loc in LOCALES:
        for prov in _faker(loc).providers:
            cities = getattr(prov, "cities", None)
            if isinstance(cities, list):
                assert cities == sorted(cities)


def test_deterministic_for_seed():
    a = list(generate.generate(40, seed=3, pool_size=15))
    b = list(generate.generate(40, seed=3, pool_size=15))
    c = list(generate.generate(40, seed=4, pool_size=15))
    assert a == b
    assert a != c


def test_mix_of_domains_languages_and_negatives(docs):
    domains = Counter(d["domain"] for d in docs)
    assert set(domains) == set(BUILDERS)
    langs = Counter(d["lang"] for d in docs)
    assert set(langs) == {"en", "de", "fr", "es"}
    assert 0.05 < 1 - langs["en"] / N < 0.3
    clean = sum(not d["entities"] for d in docs) / N
    assert 0.2 < clean < 0.5
    labels = Counter(e["label"] for d in docs for e in d["entities"])
    assert len(labels) >= 15


def test_negative_words_are_never_labelled(docs):
    hard_neg = {
        "Monday standup",
        "Rechnung",
        "Kundendienst",
        "Bestellung",
        "Customer Success",
        "support team",
        "Resolved",
        "Premium",
        "Dark Mode",
    }
    for d in docs:
        for e in d["entities"]:
            assert d["text"][e["start"] : e["end"]] not in hard_neg


def test_titled_person_is_one_span():
    pools = Pools(seed=1, size=10)
    rng = random.Random(0)
    for lang in ("en", "de", "fr", "es"):
        for _ in range(20):
            ctx = slots.Ctx(pools, rng, lang)
            value, label = ctx.slot("tname")
            assert label == "PERSON"
            assert value.startswith(HONORIFICS), value


def test_bank_validation_rejects_bad_templates():
    with pytest.raises(ValueError, match="labelled slot"):
        banks._validate("Call {name} today", False, "t")
    with pytest.raises(ValueError, match="without a labelled slot"):
        banks._validate("Deploying {product} {version}", True, "t")
    with pytest.raises(ValueError, match="unknown slot"):
        banks._validate("Hi {nmae}", True, "t")
    assert sum(b.count for b in banks.load_banks().values()) >= 300


def test_seg_transforms_keep_offsets():
    s = seg.Seg().add("Hi ").add("Jane Roe", "PERSON").add("\nmail ").add("jr@x.org", "EMAIL")
    q = seg.prefix_lines(s, "> ")
    assert q is not None
    assert q.text == "> Hi Jane Roe\n> mail jr@x.org"
    seg.check(q.text, q.spans, slots.LABELS)
    low = seg.map_case(q, str.lower)
    assert [x.value for x in low.spans] == ["jane roe", "jr@x.org"]
    seg.check(low.text, low.spans, slots.LABELS)
    multi = seg.Seg().add("12 Main St\nSpringfield", "LOCATION")
    assert seg.prefix_lines(multi, "> ") is None


def test_check_catches_overlap_and_mismatch():
    overlapping = [seg.Span(0, 4, "PERSON", "Jane"), seg.Span(2, 8, "PERSON", "ne Roe")]
    with pytest.raises(AssertionError):
        seg.check("Jane Roe", overlapping, slots.LABELS)
    with pytest.raises(AssertionError):
        seg.check("Jane Roe", [seg.Span(0, 4, "PERSON", "John")], slots.LABELS)


def test_cli_writes_jsonl(tmp_path, capsys):
    out = tmp_path / "s.jsonl"
    generate.main(["--out", str(out), "--n", "30", "--seed", "5", "--pool-size", "10"])
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30
    assert "label:" in capsys.readouterr().out

#!/usr/bin/env python3
"""Generate domain-diverse, span-labelled synthetic PII training documents (JSONL).

    python training/generate.py --out .train/synth.jsonl --n 30000 --seed 7

Each line: {"id", "domain", "lang", "text", "entities": [{"start", "end", "label"}]}.
See training/README.md for domains and label conventions.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth.banks import Bank, load_banks
from synth.docs import BUILDERS, B
from synth.seg import check
from synth.slots import LABELS, Ctx
from synth.values import Pools, weighted

LANGS = (("en", 85), ("de", 6), ("fr", 5), ("es", 4))
DOMAINS = {
    "en": (("ticket", 14), ("email", 15), ("chat", 12), ("call_transcript", 8), ("log", 10),
           ("hr", 7), ("medical", 8), ("insurance", 7), ("crm", 9), ("llm_prompt", 10)),
    # call transcripts, logs and insurance notes are English-only (logs are language-neutral)
    "xx": (("ticket", 22), ("email", 24), ("chat", 18), ("hr", 10), ("medical", 10), ("crm", 10),
           ("llm_prompt", 6)),
}
CLEAN_SHARE = 0.32  # documents built from hard negatives only; PII documents add a few more


def build_doc(pools: Pools, banks: dict[str, Bank], seed: int, i: int) -> dict:
    rng = random.Random(seed * 1_000_003 + i)
    lang = weighted(rng, LANGS)
    domain = weighted(rng, DOMAINS["en" if lang == "en" else "xx"])
    clean = rng.random() < CLEAN_SHARE
    seg = BUILDERS[domain](B(Ctx(pools, rng, lang), banks[lang], clean))
    check(seg.text, seg.spans, LABELS)
    assert not (clean and seg.spans), "clean document produced an entity"
    ents = [{"start": s.start, "end": s.end, "label": s.label}
            for s in sorted(seg.spans, key=lambda s: s.start)]
    return {"id": f"synth-{seed}-{i:06d}", "domain": domain, "lang": lang, "text": seg.text,
            "entities": ents}


def generate(n: int, seed: int, pool_size: int = 300) -> Iterator[dict]:
    pools, banks = Pools(seed, pool_size), load_banks()
    for i in range(n):
        yield build_doc(pools, banks, seed, i)


def template_count() -> int:
    return sum(b.count for b in load_banks().values())


def report(stats: dict[str, Counter], n: int, secs: float) -> None:
    print(f"{n} documents in {secs:.1f}s; {template_count()} templates; "
          f"{stats['clean']['docs'] / max(n, 1):.1%} without PII")
    for name in ("label", "domain", "lang"):
        row = ", ".join(f"{k}={v}" for k, v in stats[name].most_common())
        print(f"{name}: {row}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pool-size", type=int, default=300, help="Faker values per locale and field")
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    stats = {k: Counter() for k in ("label", "domain", "lang", "clean")}
    t0 = time.perf_counter()
    with args.out.open("w", encoding="utf-8") as f:
        for doc in generate(args.n, args.seed, args.pool_size):
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
            stats["domain"][doc["domain"]] += 1
            stats["lang"][doc["lang"]] += 1
            stats["label"].update(e["label"] for e in doc["entities"])
            stats["clean"]["docs"] += not doc["entities"]
    report(stats, args.n, time.perf_counter() - t0)


if __name__ == "__main__":
    main()

"""Veil's analyzer as a baseline-style runner, timed by the shared driver exactly like Presidio.

  taskset -c 0 .venv/bin/python bench/veil_runner.py --input X.text.jsonl --output preds.jsonl
  VEIL_PATTERNS_ONLY=1 ...   pattern recognisers only (no model)

Reuses ../shared/eval/pii/runners/common.py ``main(name, make, source)``: it reads
{"id","text"} JSONL, warms up, times one pass and writes predictions plus
``preds.jsonl.meta.json`` (chars/s, docs/s, load time, peak RSS). Veil's labels are
already taxonomy labels, which ``labels.map_label`` passes through for the unknown
source "veil". MEDICAL predictions are kept here; bench/pii.py drops them before scoring.
"""

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNERS = ROOT / ".." / "shared" / "eval" / "pii" / "runners"

# Measure the working tree, whether or not the venv holds an editable install.
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(RUNNERS))


def patterns_only() -> bool:
    return bool(os.environ.get("VEIL_PATTERNS_ONLY"))


def make() -> Callable[[str], Iterator[tuple[int, int, str]]]:
    from veil.detect import Analyzer

    analyzer = Analyzer.default(patterns_only=patterns_only())

    def detect(text: str) -> Iterator[tuple[int, int, str]]:
        for f in analyzer.analyze(text):
            yield f.start, f.end, f.label.value

    return detect


if __name__ == "__main__":
    if not RUNNERS.is_dir():
        sys.exit(f"veil_runner: {RUNNERS.resolve()} not found (needs ../shared/eval/pii)")
    from common import main

    main("veil-patterns" if patterns_only() else "veil", make, "veil")

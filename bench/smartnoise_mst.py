"""The anchor of the synthesis bar: SmartNoise MST on the same split, in its own venv.

  .venvs/smartnoise/bin/python bench/smartnoise_mst.py --out synth.csv --epsilon 1

Run by ``bench/synth.py --anchor`` (smartnoise-synth pins Opacus 0.14 and OpenDP < 0.15, so
it cannot share Veil's environment: ``python3 -m venv .venvs/smartnoise &&
.venvs/smartnoise/bin/pip install torch==2.13.0 smartnoise-synth``). Writes the synthetic
rows as CSV and prints one JSON line: fit seconds and peak RSS.
"""

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from snsynth import Synthesizer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tabular" / "adult_pgm.csv"
TRAIN_ROWS = 39_074


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epsilon", type=float, default=1.0)
    ap.add_argument("--delta", type=float, default=1e-9)
    a = ap.parse_args()
    frame = pd.read_csv(DATA)
    train = frame.iloc[np.random.default_rng(0).permutation(len(frame))[:TRAIN_ROWS]]
    started = time.perf_counter()
    synth = Synthesizer.create("mst", epsilon=a.epsilon, delta=a.delta)
    # All columns are already integer-coded categories (the pgm discretisation).
    synth.fit(train, categorical_columns=list(train.columns), preprocessor_eps=0.0)
    fitted = time.perf_counter() - started
    synth.sample(len(train)).to_csv(a.out, index=False)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"fit_s": round(fitted, 2), "peak_rss_mb": round(peak_mb, 1)}))


if __name__ == "__main__":
    main()

"""DP synthetic data bars: marginal fidelity, TSTR, fit time and memory on UCI Adult.

  OMP_NUM_THREADS=1 taskset -c 1 python bench/synth.py [--epsilon 1] [--delta 1e-9]
                                                      [--seeds 3] [--out bench/results/synth.json]

Data and conventions (shared/data/tabular/README.md): the integer-coded Adult used by the
MST and AIM papers (48,842 rows x 14 columns, domain sizes from the JSON), a fixed random
80/20 split with seed 0 (``default_rng(0).permutation``: first 39,074 rows train, the
other 9,768 holdout). For each seed the generator is fitted on the training split at
(epsilon, delta) -- converted to zCDP rho -- with ``income>50K`` as the target column and
samples as many rows as its own noisy estimate of the training size. Reported:

* mean total-variation distance over ALL 2-way and ALL 3-way marginals (fine domains),
  synthetic vs the training split; the floor is the real holdout scored the same way;
* TSTR: scikit-learn HistGradientBoostingClassifier (defaults) trained on the synthetic
  rows, ROC AUC on the real holdout (and, for reference, trained on the real training
  split);
* fit seconds (wall clock, one core), spent rho, and the process's peak RSS measured
  after all fits and samples and before scikit-learn is imported.

Bars (eps = 1, delta = 1e-9): 2-way <= 0.08, 3-way <= 0.18, AUC >= 0.86, fit <= 60 s,
peak RSS <= 1.5 GiB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from veil.dp._synth import SynthModel, fit, rho_from_eps_delta  # noqa: E402

DATA = (
    next((p for p in (ROOT / "shared", ROOT.parent / "shared") if p.is_dir()), ROOT / "shared")
    / "data"
    / "tabular"
)
TARGET = "income>50K"
BARS = {"tvd2": 0.08, "tvd3": 0.18, "auc": 0.86, "fit_s": 60.0, "peak_rss_mib": 1536.0}


def load(data_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str], list[int]]:
    """The pgm Adult table and its seed-0 80/20 split (train, holdout, names, sizes)."""
    domain = json.loads((data_dir / "adult_pgm_domain.json").read_text())
    with (data_dir / "adult_pgm.csv").open() as fh:
        header = fh.readline().strip().split(",")
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    if header != list(domain):
        raise SystemExit("adult_pgm.csv columns do not match adult_pgm_domain.json")
    perm = np.random.default_rng(0).permutation(table.shape[0])
    n_train = round(0.8 * table.shape[0])
    return table[perm[:n_train]], table[perm[n_train:]], header, list(domain.values())


def mean_tvd(synth: np.ndarray, real: np.ndarray, sizes: list[int], k: int) -> float:
    """Mean total-variation distance over all k-way marginals (sparse: only seen cells)."""
    weights = np.concatenate(
        [np.full(len(synth), 1.0 / len(synth)), np.full(len(real), -1.0 / len(real))]
    )
    both = np.concatenate([synth, real])
    out = []
    for cols in itertools.combinations(range(both.shape[1]), k):
        cells = np.ravel_multi_index(tuple(both[:, c] for c in cols), [sizes[c] for c in cols])
        _, inverse = np.unique(cells, return_inverse=True)
        out.append(0.5 * np.abs(np.bincount(inverse, weights=weights)).sum())
    return float(np.mean(out))


def tstr_auc(train: np.ndarray, test: np.ndarray, target: int) -> float:
    """Train HistGradientBoosting (defaults) on ``train``, ROC AUC on ``test``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    y = train[:, target]
    if np.unique(y).size < 2:  # a synthetic table with one class cannot train a classifier
        return 0.5
    clf = HistGradientBoostingClassifier(random_state=0)
    clf.fit(np.delete(train, target, axis=1), y)
    scores = clf.predict_proba(np.delete(test, target, axis=1))[:, 1]
    return float(roc_auc_score(test[:, target], scores))


def run_seed(
    train: np.ndarray, sizes: list[int], target: int, rho: float, seed: int
) -> tuple[SynthModel, np.ndarray, float, float]:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    model = fit(train, sizes, rho=rho, target=target, rng=rng)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    synth = model.sample(round(model.n_estimate), rng)
    return model, synth, fit_s, time.perf_counter() - t0


def anchor(
    args: argparse.Namespace, train: np.ndarray, holdout: np.ndarray, sizes: list[int], target: int
) -> dict[str, Any]:
    """SmartNoise MST at the same ε, δ on the same split, in its own venv and process (its
    pins cannot share this environment), scored by the same functions."""
    import subprocess
    import tempfile

    python = ROOT / ".venvs" / "smartnoise" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "mst.csv"
        done = subprocess.run(
            [str(python), str(ROOT / "bench" / "smartnoise_mst.py"), "--out", str(out),
             "--epsilon", str(args.epsilon), "--delta", str(args.delta)],
            capture_output=True, text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"},
        )  # fmt: skip
        timing = json.loads(done.stdout.strip().splitlines()[-1])
        synth = np.loadtxt(out, delimiter=",", skiprows=1, dtype=np.int64)
    synth = np.clip(synth, 0, np.array(sizes) - 1)  # MST may emit codes it never saw
    report = {
        "tvd2": mean_tvd(synth, train, sizes, 2),
        "tvd3": mean_tvd(synth, train, sizes, 3),
        "auc": tstr_auc(synth, holdout, target),
        **timing,
    }
    print(
        f"SmartNoise MST: 2-way {report['tvd2']:.4f}  3-way {report['tvd3']:.4f}  "
        f"AUC {report['auc']:.4f}  fit {report['fit_s']} s  peak RSS {report['peak_rss_mb']} MB"
    )
    return report


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--epsilon", type=float, default=1.0)
    ap.add_argument("--delta", type=float, default=1e-9)
    ap.add_argument("--seeds", type=int, default=3, help="fit seeds 0..N-1; means reported")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "synth.json")
    ap.add_argument(
        "--anchor",
        action="store_true",
        help="also run SmartNoise MST (bench/smartnoise_mst.py in .venvs/smartnoise), same split",
    )
    args = ap.parse_args(argv)

    train, holdout, names, sizes = load(args.data)
    target = names.index(TARGET)
    rho = rho_from_eps_delta(args.epsilon, args.delta)
    print(
        f"train {train.shape}, holdout {holdout.shape}; eps={args.epsilon} "
        f"delta={args.delta} -> rho={rho:.6g}",
        flush=True,
    )

    fitted = [run_seed(train, sizes, target, rho, seed) for seed in range(args.seeds)]
    peak = peak_rss_mib()  # generator only: before the evaluation allocates anything

    runs: list[dict[str, Any]] = []
    for seed, (model, synth, fit_s, sample_s) in enumerate(fitted):
        run = {
            "seed": seed,
            "tvd2": mean_tvd(synth, train, sizes, 2),
            "tvd3": mean_tvd(synth, train, sizes, 3),
            "auc": tstr_auc(synth, holdout, target),
            "fit_s": fit_s,
            "sample_s": sample_s,
            "rows": int(synth.shape[0]),
            "spent_rho": model.spent_rho,
            "families": [  # measured family marginals (parents..., child), compressed bins
                " x ".join(names[c] for c in cols)
                for cols, _ in model.measurements
                if len(cols) > 1
            ],
        }
        runs.append(run)
        print(
            f"seed {seed}: 2-way {run['tvd2']:.4f}  3-way {run['tvd3']:.4f}  "
            f"AUC {run['auc']:.4f}  fit {fit_s:.2f} s  spent rho {model.spent_rho:.6g}",
            flush=True,
        )

    floor = {
        "tvd2": mean_tvd(holdout, train, sizes, 2),
        "tvd3": mean_tvd(holdout, train, sizes, 3),
        "auc_train_on_real": tstr_auc(train, holdout, target),
    }
    mean = {k: float(np.mean([r[k] for r in runs])) for k in ("tvd2", "tvd3", "auc", "fit_s")}
    mean["peak_rss_mib"] = peak
    passed = {
        "tvd2": mean["tvd2"] <= BARS["tvd2"],
        "tvd3": mean["tvd3"] <= BARS["tvd3"],
        "auc": mean["auc"] >= BARS["auc"],
        "fit_s": max(r["fit_s"] for r in runs) <= BARS["fit_s"],
        "peak_rss_mib": peak <= BARS["peak_rss_mib"],
    }
    print(
        f"mean: 2-way {mean['tvd2']:.4f}  3-way {mean['tvd3']:.4f}  AUC {mean['auc']:.4f}  "
        f"fit {mean['fit_s']:.2f} s  peak RSS {peak:.0f} MiB"
    )
    print(
        f"floor (holdout as synthetic): 2-way {floor['tvd2']:.4f}  3-way {floor['tvd3']:.4f};"
        f" train-on-real AUC {floor['auc_train_on_real']:.4f}"
    )
    print("bars:", ", ".join(f"{k} {'PASS' if ok else 'FAIL'}" for k, ok in passed.items()))

    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus_allowed": len(os.sched_getaffinity(0)),
        },
        "command": "python " + " ".join(["bench/synth.py", *(argv or sys.argv[1:])]),
        "data": "adult_pgm.csv, seed-0 80/20 split",
        "epsilon": args.epsilon,
        "delta": args.delta,
        "rho": rho,
        "target": TARGET,
        "runs": runs,
        "mean": mean,
        "floor_holdout": floor,
        "bars": BARS,
        "pass": passed,
    }
    if args.anchor:
        result["anchor_smartnoise_mst"] = anchor(args, train, holdout, sizes, target)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0 if all(passed.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

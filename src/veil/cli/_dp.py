"""`veil synth` and `veil dp budget ...`: DP synthetic data under a ledger-kept budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from veil.cli._common import HomeOpt, console, errors_to_exit, out
from veil.errors import ConfigError, InputError

if TYPE_CHECKING:
    from veil.dp._risk import TableRisk

dp_app = typer.Typer(help="Differential privacy: budgets per dataset.", no_args_is_help=True)
budget_app = typer.Typer(
    help="A dataset's privacy budget, kept in the ledger.", no_args_is_help=True
)
dp_app.add_typer(budget_app, name="budget")

DatasetArg = Annotated[str, typer.Argument(help="Dataset id (by default a table's file name)")]


def synth(
    table: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Synthetic table (.csv/.parquet)")],
    epsilon: Annotated[float, typer.Option(help="ε this run spends")],
    domain: Annotated[
        Path,
        typer.Option(exists=True, dir_okay=False, help="Declared domain per column (YAML/JSON)"),
    ],
    delta: Annotated[float, typer.Option(help="δ of this run")] = 1e-9,
    target: Annotated[
        str | None, typer.Option(help="Label column: favour marginals with it; report TSTR")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Budget id (default: the table's file name)")
    ] = None,
    rows: Annotated[
        int | None, typer.Option(help="Rows to generate (default: noisy count)")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Sampling seed (noise stays random)")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the full report as JSON")] = None,
    holdout: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Real rows not in TABLE: privacy figures"),
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Write a differentially private synthetic copy of TABLE (charged to its budget first)."""
    from veil.dp._run import synthesize
    from veil.home import resolve_home

    with errors_to_exit():
        done = synthesize(
            table, output, domain=domain, epsilon=epsilon, delta=delta, home=resolve_home(home),
            dataset=dataset, target=target, rows=rows, seed=seed, holdout=holdout,
        )  # fmt: skip
        if report is not None:
            from veil.io._atomic import atomic_text

            with atomic_text(report) as fh:
                fh.write(json.dumps(done.to_json(), indent=2) + "\n")
    fid = done.fidelity
    out.print(
        f"{done.rows_out} synthetic rows -> {output}  (ε={done.epsilon:g}, δ={done.delta:g}; "
        f"dataset {done.dataset!r} has spent ε={done.total_epsilon:.4g} of {done.budget_epsilon:g})"
    )
    line = f"fidelity vs the real table: mean 2-way TVD {fid['tvd_2way_mean']}"
    if fid.get("tstr_auc") is not None:
        line += f", TSTR AUC {fid['tstr_auc']}"
    console.print(f"{line}, exact copies {fid['exact_copies']:.2%} (not DP: for the data owner)")
    if "membership_auc" in done.privacy:
        console.print(
            f"membership attack vs the holdout: AUC {done.privacy['membership_auc']} "
            "(0.5 = no signal)"
        )


@dp_app.command("query")
def query(
    table: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet")],
    kind: Annotated[str, typer.Argument(help="count, sum, mean or histogram")],
    epsilon: Annotated[float, typer.Option(help="ε this query spends")],
    column: Annotated[str | None, typer.Option(help="The column (all but count)")] = None,
    bounds: Annotated[
        str | None, typer.Option(help="sum/mean: declared LOW,HIGH (values are clamped)")
    ] = None,
    categories: Annotated[
        str | None, typer.Option(help="histogram: declared categories a,b,c")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Budget id (default: the table's file name)")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """A DP count, sum, mean or histogram (OpenDP, Laplace), charged to the budget first."""
    from veil.dp import Accountant
    from veil.dp._query import plan_query
    from veil.errors import ConfigError
    from veil.home import resolve_home
    from veil.ledger._record import sha256_file

    with errors_to_exit():
        try:
            limits = tuple(float(b) for b in bounds.split(",")) if bounds else None
        except ValueError:
            raise ConfigError("--bounds takes two numbers: LOW,HIGH") from None
        if limits is not None and len(limits) != 2:
            raise ConfigError("--bounds takes two numbers: LOW,HIGH")
        cats = [c.strip() for c in categories.split(",")] if categories else None
        plan = plan_query(kind, column, epsilon=epsilon, bounds=limits, categories=cats)
        values = plan.load(table)  # checked before the budget is touched
        sha, _ = sha256_file(table)
        with Accountant.open(resolve_home(home), dataset or table.name) as acc:
            total = acc.charge(plan.mechanisms, purpose=f"query:{kind}", table_sha256=sha)
            budget = acc.budget()
        answer = plan.release(values)
    out.print_json(json.dumps({"query": kind, "column": column, "epsilon": epsilon, **answer}))
    spent_of = f"{budget.epsilon:g}" if budget else "?"
    console.print(f"dataset {dataset or table.name!r}: ε {total:.4g} of {spent_of} spent")


@dp_app.command("domain")
def domain_file(
    table: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Domain file to write (YAML)")],
) -> None:
    """Write a domain template for `veil synth` from TABLE's schema (names and types only)."""
    from veil.dp._table import domain_template
    from veil.io._atomic import atomic_text

    with errors_to_exit():
        text = domain_template(table)
        with atomic_text(output) as fh:
            fh.write(text)
    out.print(f"wrote {output}: fill in every TODO (categories, ranges) from public knowledge")


@budget_app.command("set")
def budget_set(
    dataset: DatasetArg,
    epsilon: Annotated[float, typer.Option(help="Total ε the dataset may ever spend")],
    delta: Annotated[float, typer.Option(help="δ at which ε is counted")] = 1e-9,
    home: HomeOpt = None,
) -> None:
    """Set a dataset's total budget (recorded in the ledger; raising it is flagged)."""
    from veil.dp import Accountant
    from veil.home import resolve_home

    with errors_to_exit(), Accountant.open(resolve_home(home), dataset) as acc:
        acc.set_budget(epsilon, delta)
        spent = acc.spent()
    out.print(f"{dataset}: budget ε={epsilon:g} at δ={delta:g}; spent ε={spent:.4g}")


@budget_app.command("show")
def budget_show(dataset: DatasetArg, home: HomeOpt = None) -> None:
    """Show a dataset's budget, what was spent, and by which mechanisms."""
    from veil.dp import Accountant
    from veil.home import resolve_home

    with errors_to_exit(), Accountant.open(resolve_home(home), dataset) as acc:
        budget, spends = acc.budget(), acc.spends()
        spent = acc.spent()
    if budget is None:
        out.print(f"{dataset}: no budget set (nothing may be spent)")
    else:
        out.print(f"{dataset}: ε {spent:.4g} of {budget.epsilon:g} spent at δ={budget.delta:g}")
    for mechanism in spends:
        out.print(f"  {json.dumps(mechanism, sort_keys=True)}")


risk_app = typer.Typer(help="Privacy risk audits before release.", no_args_is_help=True)


@risk_app.command("table")
def risk_table(
    table: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet")],
    quasi: Annotated[str, typer.Option(help="Quasi-identifier columns, comma-separated")],
    sensitive: Annotated[
        str | None, typer.Option(help="A sensitive column, for l-diversity")
    ] = None,
    k: Annotated[int, typer.Option(help="The k to check k-anonymity against")] = 5,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    home: HomeOpt = None,
) -> None:
    """Re-identification risk: k-anonymity, uniqueness, l-diversity (counts only, no values).

    Exits 1 when the table is not k-anonymous for the given k."""
    from veil.dp._risk import assess_table

    with errors_to_exit():
        risk = assess_table(table, [q.strip() for q in quasi.split(",") if q.strip()],
                            sensitive=sensitive, k=k)  # fmt: skip
        _record_audit(home, table, risk)
    if json_out:
        out.print_json(json.dumps(risk.to_json()))
    else:
        share = risk.rows_below_k / risk.rows
        out.print(
            f"{risk.rows} rows, {risk.groups} QI groups; k-anonymity {risk.k_anonymity} "
            f"(target {k}: {risk.rows_below_k} rows = {share:.2%} in smaller groups); "
            f"unique rows {risk.unique_rows} ({risk.uniqueness:.2%})"
        )
        if risk.l_diversity is not None:
            out.print(
                f"l-diversity of {risk.sensitive}: {risk.l_diversity} "
                f"({risk.groups_l1} groups disclose their sensitive value)"
            )
        for column, unique in sorted(risk.drop_one.items(), key=lambda kv: kv[1]):
            out.print(f"  without {column}: unique rows {unique:.2%}")
    if risk.k_anonymity < k:
        raise typer.Exit(1)


def _record_audit(home: Path | None, table: Path, risk: TableRisk) -> None:
    """Every audit is a ledger entry: the table by content hash, the figures as counts."""
    from veil.home import resolve_home
    from veil.ledger import Action, Event, Ledger
    from veil.ledger._record import file_artifact

    counts = {
        "rows": risk.rows,
        "groups": risk.groups,
        "k_anonymity": risk.k_anonymity,
        "rows_below_k": risk.rows_below_k,
        "unique_rows": risk.unique_rows,
    }
    if risk.l_diversity is not None:
        counts["l_diversity"] = risk.l_diversity
    with Ledger.open(resolve_home(home)) as ledger:
        ledger.append(
            Event(
                action=Action.RISK_AUDIT,
                purpose="release-review",
                inputs=(file_artifact(table, table.suffix.lstrip(".") or None, ledger),),
                counts=counts,
                decision="allow" if risk.k_anonymity >= risk.k_target else "deny",
                reasons=(f"k>={risk.k_target}",),
            )
        )


_ModelReport = Annotated[Path | None, typer.Option(help="Write an HTML report with ROC curves")]


@risk_app.command("model")
def risk_model(
    model: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="A pickled scikit-learn model")
    ],
    train: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Its training rows")],
    population: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="Rows it never saw")
    ],
    label: Annotated[str, typer.Option(help="The label column")],
    shadows: Annotated[int, typer.Option(help="Shadow models (LiRA/RMIA references)")] = 16,
    seed: Annotated[int, typer.Option(help="Seed for the shadow splits")] = 0,
    html: _ModelReport = None,
    home: HomeOpt = None,
) -> None:
    """Membership-inference audit (LiRA online/offline, RMIA, loss) of a trained model.

    The model file is unpickled: only audit models you trust. Features are every numeric
    column but the label; shadows are the same recipe (sklearn.clone) refit on subsets."""
    from veil.dp._mia import audit_model, report_html

    with errors_to_exit():
        estimator = _load_model(model)
        x_in, y_in = _xy(train, label)
        x_out, y_out = _xy(population, label)
        report = _audit(audit_model, estimator, (x_in, y_in, x_out, y_out), shadows, seed)
        _write_html(report_html, report, html)
        _record_mia(home, [train, population, model], report, "model")
    out.print_json(json.dumps(report.to_json()))


@risk_app.command("synth")
def risk_synth(
    synthetic: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Synthetic rows")],
    train: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Its training rows")],
    holdout: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="Real rows it never saw")
    ],
    domain: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="The domain used by veil synth")
    ],
    seed: Annotated[int, typer.Option(help="Seed for subsampling")] = 0,
    html: _ModelReport = None,
    home: HomeOpt = None,
) -> None:
    """Does a synthetic table give its training rows away? Distance to closest record and
    membership attacks against a holdout (AUC 0.5 = no signal)."""
    import numpy as np

    from veil.dp._mia import audit_synthetic, report_html
    from veil.dp._table import Domain, read_table

    with errors_to_exit():
        spec = Domain.load(domain)
        ordinal = [i for i, c in enumerate(spec.columns) if c.kind != "categorical"]
        tables = [read_table(p, spec) for p in (synthetic, train, holdout)]
        try:
            report = audit_synthetic(*tables, rng=np.random.default_rng(seed), ordinal=ordinal)
        except ValueError as exc:
            raise ConfigError(f"cannot audit: {exc}") from None
        _write_html(report_html, report, html)
        _record_mia(home, [synthetic, train, holdout], report, "synthetic")
    out.print_json(json.dumps(report.to_json()))


def _write_html(write: Any, report: Any, path: Path | None) -> None:
    if path is None:
        return
    try:
        write(report, path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path} ({exc.strerror}); check --html") from None


def _load_model(path: Path) -> object:
    import pickle

    try:
        with path.open("rb") as fh:
            estimator = pickle.load(fh)  # noqa: S301 - the operator's own model, documented
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise InputError(f"cannot load the model ({type(exc).__name__})", file=str(path)) from None
    if not hasattr(estimator, "predict_proba") or not hasattr(estimator, "fit"):
        raise InputError("not a scikit-learn classifier (needs fit and predict_proba)",
                         file=str(path))  # fmt: skip
    return estimator


def _xy(path: Path, label: str) -> tuple[object, object]:
    import numpy as np

    from veil.dp._table import read_arrow

    table = read_arrow(path)
    if label not in table.column_names:
        raise InputError("no such column", file=str(path), field=label)
    names = [n for n in table.column_names if n != label]
    try:
        x = np.column_stack([np.asarray(table.column(n).to_numpy(), dtype=float) for n in names])
        y = np.asarray(table.column(label).to_numpy())
    except (ValueError, TypeError):
        raise InputError("features must be numeric (encode them first)", file=str(path)) from None
    return x, y


def _audit(audit: Any, estimator: Any, data: tuple[Any, ...], shadows: int, seed: int) -> Any:
    import numpy as np
    from sklearn.base import clone

    def train_fn(x: Any, y: Any) -> Any:
        return clone(estimator).fit(x, y)

    try:
        return audit(train_fn, estimator, *data, shadows=shadows, rng=np.random.default_rng(seed))
    except ValueError as exc:
        raise ConfigError(f"cannot audit: {exc}") from None


def _record_mia(home: Path | None, paths: list[Path], report: Any, kind: str) -> None:
    """The audit as a ledger entry: inputs by content hash, figures as counts and reasons."""
    from veil.home import resolve_home
    from veil.ledger import Action, Event, Ledger
    from veil.ledger._record import file_artifact

    with Ledger.open(resolve_home(home)) as ledger:
        ledger.append(
            Event(
                action=Action.RISK_AUDIT,
                purpose=f"membership-inference:{kind}",
                inputs=tuple(file_artifact(p, p.suffix.lstrip(".") or None, ledger) for p in paths),
                counts={"members": report.n_members, "non_members": report.n_non_members},
                decision="allow",
                reasons=(
                    f"attack={report.attack}",
                    f"auc={report.auc:.4f}",
                    f"tpr@0.1%fpr={report.tpr_at_0_1pct_fpr:.4f}",
                ),
            )
        )

"""Differential privacy: a ledger-backed accountant, DP synthetic data, DP queries, audits.

* :class:`Accountant` keeps a privacy budget per dataset in the ledger and refuses a run
  that would exceed it; :func:`epsilon_of` composes mechanisms (Google's dp-accounting).
* :func:`synthesize` (``veil synth``) writes a DP synthetic copy of a table over a
  declared domain; :func:`plan_query` (``veil dp query``) runs OpenDP measurements.
* :func:`make_private` wraps a PyTorch model for DP-SGD (Opacus), charged first.
* :func:`assess_table` (``veil risk table``) measures re-identification risk;
  :func:`audit_model` / :func:`audit_synthetic` (``veil risk model|synth``) run
  membership-inference attacks (LiRA, RMIA, loss; distance to closest record).

``pip install 'veil[dp]'`` (``veil[dp-train]`` for DP-SGD).
"""

from __future__ import annotations

from veil.dp._accountant import Accountant, Budget, Mechanism, epsilon_of
from veil.dp._mia import AuditReport, SynthAuditReport, audit_model, audit_synthetic, report_html
from veil.dp._query import QueryPlan, plan_query
from veil.dp._risk import TableRisk, assess_table
from veil.dp._run import SynthReport, synthesize
from veil.dp._train import PrivateTraining, make_private

__all__ = [
    "Accountant",
    "AuditReport",
    "Budget",
    "Mechanism",
    "PrivateTraining",
    "QueryPlan",
    "SynthAuditReport",
    "SynthReport",
    "TableRisk",
    "assess_table",
    "audit_model",
    "audit_synthetic",
    "epsilon_of",
    "make_private",
    "plan_query",
    "report_html",
    "synthesize",
]

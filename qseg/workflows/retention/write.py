"""Write the retention memo's analysis of one plan into a folder: tables, plots and the plan CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qseg.files import check_output_dir, replacing, spreadsheet_safe
from qseg.problems.assignment import AssignmentProblem
from qseg.workflows.retention.plots import write_retention_plots
from qseg.workflows.retention.sensitivity import budget_sweep, shadow_prices
from qseg.workflows.retention.tables import constraint_table, kpis, plan_table

KPI_FILE, CONSTRAINT_FILE, SWEEP_FILE, PLAN_FILE = "kpis.csv", "constraints.csv", "budget_sensitivity.csv", "treatment_plan.csv"


def write_analysis(problem: AssignmentProblem, actions: np.ndarray, folder: Path | str, *, backend: str = "highs",
                   budgets: Sequence[float] | None = None, **params: Any) -> list[Path]:
    """Write ``kpis.csv`` (metric, value), ``constraints.csv`` (with shadow prices from
    ``backend``'s LP relaxation, empty when it gives no duals), ``budget_sensitivity.csv``
    (``backend`` at each budget, default the memo's $50-1000 per 250 customers), the eight plots
    and ``treatment_plan.csv`` into ``folder``; return every file written."""
    folder = check_output_dir("analysis", folder)
    folder.mkdir(parents=True, exist_ok=True)
    actions = np.asarray(actions, dtype=int)
    figures = kpis(problem, actions)
    prices = shadow_prices(problem, backend)
    figures["shadow_prices"] = "LP relaxation duals" if prices is not None else f"unavailable ({backend} gave no duals)"
    written = [folder / KPI_FILE, folder / CONSTRAINT_FILE, folder / SWEEP_FILE, folder / PLAN_FILE]
    sweep = budget_sweep(problem, budgets, backend, **params)
    plan = plan_table(problem, actions)
    tables = [pd.DataFrame({"metric": list(figures), "value": list(figures.values())}),
              constraint_table(problem, actions, prices), sweep, plan]
    for table, path in zip(tables, written, strict=True):
        with replacing(path) as temporary:
            spreadsheet_safe(table).to_csv(temporary, index=False)
    return written + write_retention_plots(plan, sweep, folder, problem.settings.weekly_budget, backend=backend)

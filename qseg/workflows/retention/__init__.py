"""Domain analyses over solved problems (docs/architecture.md §1): the retention memo's KPIs, constraint table
with shadow prices, budget sensitivity, plots and treatment plan. Solves go through the backend
registry."""

from qseg.workflows.retention.plots import PLOT_FILES, write_retention_plots
from qseg.workflows.retention.sensitivity import budget_sweep, default_budgets, shadow_prices, with_settings
from qseg.workflows.retention.tables import best_actions, constraint_table, kpis, plan_table
from qseg.workflows.retention.write import write_analysis

__all__ = [
    "PLOT_FILES", "best_actions", "budget_sweep", "constraint_table", "default_budgets", "kpis", "plan_table",
    "shadow_prices", "with_settings", "write_analysis", "write_retention_plots",
]

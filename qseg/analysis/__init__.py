"""Domain analyses over solved problems (DESIGN §1): the retention memo's KPIs, constraint table
with shadow prices, budget sensitivity, plots and treatment plan. Solves go through the backend
registry."""

from qseg.analysis.plots import PLOT_FILES, write_retention_plots
from qseg.analysis.sensitivity import budget_sweep, default_budgets, shadow_prices, with_settings
from qseg.analysis.tables import best_actions, constraint_table, kpis, plan_table
from qseg.analysis.write import write_analysis

__all__ = [
    "PLOT_FILES", "best_actions", "budget_sweep", "constraint_table", "default_budgets", "kpis", "plan_table",
    "shadow_prices", "with_settings", "write_analysis", "write_retention_plots",
]

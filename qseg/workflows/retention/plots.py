"""The retention memo's eight figures (matplotlib, Agg, PNG), each under a stable file name:
three budget curves from the sensitivity sweep and five views of one treatment plan."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qseg import style
from qseg.files import replacing
from qseg.style import literal_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PLOT_FILES = (
    "budget_vs_net_value.png", "budget_vs_roi.png", "budget_vs_treated.png", "action_mix.png",
    "actions_by_segment.png", "risk_value_heatmap.png", "net_value_waterfall.png", "churn_vs_clv.png",
)
RISK_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _pyplot() -> ModuleType:
    """Return ``matplotlib.pyplot`` on the Agg backend (imported on first use)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` as PNG, close it and return ``path``."""
    fig.tight_layout()
    with replacing(path) as temporary:
        fig.savefig(temporary, dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return path


@literal_text
def write_retention_plots(plan: pd.DataFrame, sweep: pd.DataFrame, folder: Path, current_budget: float, *,
                          backend: str = "highs") -> list[Path]:
    """Write the eight figures of ``plan`` (``tables.plan_table``) and ``sweep``
    (``sensitivity.budget_sweep``, solved by ``backend``) into ``folder``; return the files in
    ``PLOT_FILES`` order."""
    folder.mkdir(parents=True, exist_ok=True)
    solved = sweep[sweep["status"] == "ok"]
    curve = style.method_style(backend)
    paths = [
        _budget_curve(solved, "expected_net_value", "expected net value ($)", current_budget, curve, backend,
                      folder / PLOT_FILES[0]),
        _budget_curve(solved, "roi", "ROI (net value / spend)", current_budget, curve, backend, folder / PLOT_FILES[1]),
        _budget_curve(solved, "customers_treated", "customers treated", current_budget, curve, backend,
                      folder / PLOT_FILES[2]),
        _action_mix(plan, folder / PLOT_FILES[3]),
        _actions_by_segment(plan, folder / PLOT_FILES[4]),
        _risk_value_heatmap(plan, folder / PLOT_FILES[5]),
        _waterfall(plan, folder / PLOT_FILES[6]),
        _churn_vs_clv(plan, folder / PLOT_FILES[7]),
    ]
    return paths


def _budget_curve(solved: pd.DataFrame, column: str, label: str, current: float, curve: style.MethodStyle,
                  backend: str, path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    values = pd.to_numeric(solved[column], errors="coerce")
    ax.plot(solved["weekly_budget"], values, marker=curve.marker, color=curve.colour, label=f"optimal plan ({backend})")
    ax.axvline(current, color=style.REFERENCE_COLOUR, linestyle="--", linewidth=1,
               label=f"current budget ${current:,.0f}")
    ax.set_xlabel("weekly budget ($)")
    ax.set_ylabel(label)
    ax.set_title(f"Budget sensitivity: {label}")
    ax.legend(fontsize=8)
    if solved.empty:
        ax.text(0.5, 0.5, "no feasible budget in the sweep", transform=ax.transAxes, ha="center")
    return _save(fig, path)


def _action_mix(plan: pd.DataFrame, path: Path) -> Path:
    counts = plan.groupby(["action_id", "action"]).size().reset_index(name="customers")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(counts) + 1.6))
    ax.barh(counts["action"], counts["customers"], color=[style.action_colour(int(i)) for i in counts["action_id"]])
    for y, value in enumerate(counts["customers"]):
        ax.text(value, y, f" {value}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("customers")
    ax.set_title("Action mix")
    return _save(fig, path)


def _actions_by_segment(plan: pd.DataFrame, path: Path) -> Path:
    ids = _action_ids(plan)
    table = pd.crosstab(plan["subscription_type"], plan["action"])
    table = table[sorted(table.columns, key=lambda action: ids[action])]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bottom = np.zeros(len(table))
    for action in table.columns:
        ax.bar(table.index, table[action].to_numpy(), bottom=bottom, label=action, color=style.action_colour(ids[action]))
        bottom += table[action].to_numpy()
    ax.set_ylabel("customers")
    # A bar stacked with zero height on top pins the autoscale there (a sticky edge): set the headroom.
    ax.set_ylim(0, max(float(bottom.max()), 1.0) * 1.08)
    ax.set_title("Actions by segment (subscription type)")
    ax.legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    return _save(fig, path)


def _action_ids(plan: pd.DataFrame) -> dict[str, int]:
    """Return {action name: action id} of the actions in ``plan`` (an id names its colour)."""
    pairs = plan[["action", "action_id"]].drop_duplicates()
    return dict(zip(pairs["action"].astype(str), pairs["action_id"].astype(int), strict=True))


def _risk_value_heatmap(plan: pd.DataFrame, path: Path) -> Path:
    """Share of customers treated per churn-risk band x CLV tercile, with counts."""
    risk = pd.cut(plan["churn_probability"], RISK_BINS, include_lowest=True)
    value = pd.qcut(plan["clv"].rank(method="first"), 3, labels=["low CLV", "mid CLV", "high CLV"]) \
        if len(plan) >= 3 else pd.Series(["all"] * len(plan), index=plan.index)
    treated = plan["action_id"] > 0
    share = treated.groupby([risk, value], observed=False).mean().unstack()
    counts = treated.groupby([risk, value], observed=False).agg(["sum", "size"])
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    image = ax.imshow(share.to_numpy(dtype=float) * 100, cmap="viridis", vmin=0, vmax=100, aspect="auto", origin="lower")
    ax.set_xticks(range(share.shape[1]), [str(c) for c in share.columns])
    ax.set_yticks(range(share.shape[0]), [f"churn {low:.2f}-{high:.2f}" for low, high in zip(RISK_BINS, RISK_BINS[1:])])
    for (r, c), value in np.ndenumerate(share.to_numpy(dtype=float)):
        done, size = counts.loc[(share.index[r], share.columns[c])]
        ax.text(c, r, f"{int(done)}/{int(size)}", ha="center", va="center", fontsize=8,
                color="black" if value > 0.6 else "white")
    fig.colorbar(image, ax=ax, label="customers treated (%)")
    ax.set_title("Treatment by churn risk and customer value")
    return _save(fig, path)


def _waterfall(plan: pd.DataFrame, path: Path) -> Path:
    """Value retained by each action, then each action's cost, ending at the net value."""
    treated = plan[plan["action_id"] > 0]
    by_action = treated.groupby("action").agg(retained=("expected_value_retained", "sum"), cost=("cost", "sum"))
    steps = [(f"+ {name}", row.retained) for name, row in by_action.iterrows()]
    steps += [(f"- cost {name}", -row.cost) for name, row in by_action.iterrows() if row.cost > 0]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    level, highest, lowest = 0.0, 0.0, 0.0
    for x, (_label, change) in enumerate(steps):
        ax.bar(x, change, bottom=level, color=style.GAIN_COLOUR if change >= 0 else style.LOSS_COLOUR)
        level += change
        highest, lowest = max(highest, level), min(lowest, level)
    ax.bar(len(steps), level, color=style.TOTAL_COLOUR)
    # Each cost bar starts at the running level, which pins the autoscale there: set the headroom.
    span = max(highest - lowest, 1.0)
    ax.set_ylim(lowest - (0.05 * span if lowest < 0 else 0.0), highest + 0.08 * span)
    ax.set_xticks(range(len(steps) + 1), [label for label, _ in steps] + ["net value"], rotation=40, ha="right", fontsize=7)
    ax.set_ylabel("$")
    ax.set_title(f"Expected net value waterfall (net ${level:,.0f})")
    return _save(fig, path)


def _churn_vs_clv(plan: pd.DataFrame, path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.8))
    treated = plan["action_id"] > 0
    size = 14 if len(plan) <= 5000 else 2
    ax.scatter(plan.loc[~treated, "churn_probability"], plan.loc[~treated, "clv"], s=size, color=style.NEUTRAL_COLOUR,
               label="no action")
    for (action_id, action), group in plan[treated].groupby(["action_id", "action"]):
        ax.scatter(group["churn_probability"], group["clv"], s=size, label=action,
                   color=style.action_colour(int(action_id)))
    ax.set_xlabel("churn probability")
    ax.set_ylabel("CLV ($)")
    ax.set_title("Churn probability against CLV, by treatment")
    ax.legend(fontsize=7, loc="best")
    return _save(fig, path)

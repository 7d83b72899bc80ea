"""The report's statistics: failures counted, intervals only from six instances, bold only among
comparable series, times in adaptive units (docs/reports.md, "The statistics")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qseg import metrics
from qseg.reports import compare
from qseg.reports.report import fact_summary, summary_rows, summary_table
from qseg.reports.statistics import MIN_INTERVAL_INSTANCES, format_seconds


def cell(backend: str, instance: str, *, gap: float | None = 0.0, feasible: bool = True, status: str | None = None,
         wall: float = 1.0, formulation: str = "qubo") -> dict[str, object]:
    """Return one frame row as ``reports.frame.cell_frame`` names its columns."""
    status = status or ("ok" if feasible else "infeasible")
    scored = status in ("ok", "infeasible")
    return {"problem": "p", "backend": backend, "sweep": "", "formulation": formulation, "instance": instance,
            "size": 10, "seed": 0, "status": status, "feasible": feasible if scored else None,
            "gap": gap if feasible and scored else None, "wall_s": wall, "reference": 1.0,
            "tts99_s": wall if feasible and gap == 0 else None}


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_a_mostly_infeasible_series_never_ranks_above_an_always_feasible_one():
    instances = [f"i{k}" for k in range(14)]
    # 13 of 14 infeasible, the one survivor close to optimal; the other always feasible but further off
    lucky = [cell("random", name, gap=0.12, feasible=index == 0) for index, name in enumerate(instances)]
    steady = [cell("sa", name, gap=0.135) for name in instances]
    summary = summary_table(frame(lucky + steady))
    assert list(summary["backend"]) == ["sa", "random"]
    random = summary.set_index("backend").loc["random"]
    assert random["gap"] == np.inf and random["feasible_cells"] == 1 and random["cells"] == 14
    assert random["feasible_gap"] == pytest.approx(0.12)
    table = summary_rows(summary)
    gap_column = table.columns.index("median gap, failures = ∞ [95% CI]")
    assert table.rows[1][gap_column] == "> 12.00%"
    assert table.rows[1][table.columns.index("feasible cells (rate [95% CI])")].startswith("1 of 14")
    assert table.rows[1][table.columns.index("median gap of feasible cells")] == "12.00% (of 1)"
    assert (0, gap_column) in table.bold and (1, gap_column) not in table.bold


def test_timeouts_and_errors_count_as_failures_and_none_feasible_is_not_reached():
    rows = [cell("slow", "a", status="timeout"), cell("slow", "b", status="error"), cell("slow", "c", gap=0.0),
            cell("dead", "a", status="timeout"), cell("skipped", "a", status="skipped")]
    summary = summary_table(frame(rows)).set_index("backend")
    assert "skipped" not in summary.index, "a series that never ran is not a row"
    assert summary.loc["slow", "gap"] == np.inf and summary.loc["slow", "cells"] == 3
    table = summary_rows(summary_table(frame(rows)))
    dead = next(row for row in table.rows if row[0] == "dead")
    assert dead[table.columns.index("median gap, failures = ∞ [95% CI]")] == "not reached"


@pytest.mark.parametrize("count", [2, 5, 6, 9])
def test_no_interval_below_six_instances(count):
    rows = [cell("sa", f"i{k}", gap=0.01 * k, wall=1.0 + k) for k in range(count)]
    row = summary_table(frame(rows)).iloc[0]
    shown = not np.isnan(row["gap_low"]) and not np.isnan(row["wall_low"])
    assert shown == (count >= 6)
    text = summary_rows(summary_table(frame(rows))).rows[0]
    assert ("[" in text[-2]) == (count >= 6)
    assert compare.MIN_PAIRS == MIN_INTERVAL_INSTANCES == 6


def test_bold_only_among_series_run_on_the_same_instances():
    fourteen = [f"i{k}" for k in range(14)]
    rows = [cell("sa", name, gap=0.0, wall=2.0) for name in fourteen]
    rows += [cell("highs", name, gap=0.0, wall=3.0) for name in fourteen]
    rows += [cell("exact-bqm", "tiny", gap=0.0, wall=0.001)]  # one instance: compared with nothing
    rows += [cell("greedy", name, gap=0.0438, wall=0.0001) for name in fourteen]  # fastest, but 4 % off
    summary = summary_table(frame(rows))
    table = summary_rows(summary)
    wall = table.columns.index("median wall time [95% CI]")
    bold_rows = {table.rows[r][0] for r, c in table.bold if c == wall}
    assert bold_rows == {"sa"}, "exact-bqm's lone instance and greedy's off-target answers are not fastest"
    assert not any(table.rows[r][0] == "exact-bqm" for r, _ in table.bold)


def test_times_are_in_adaptive_units_with_three_digits():
    assert format_seconds(0.000143) == "143 µs"
    assert format_seconds(8.68e-05) == "86.8 µs"
    assert format_seconds(0.023) == "23.0 ms"
    assert format_seconds(2.3144) == "2.31 s"
    assert format_seconds(0.0009999) == "1.00 ms"
    assert format_seconds(-0.0021, signed=True) == "-2.10 ms" and format_seconds(0.5, signed=True) == "+500 ms"
    rows = [cell("sa", f"i{k}", wall=0.000143) for k in range(2)]
    text = summary_rows(summary_table(frame(rows))).rows[0]
    assert text[-2] == "143 µs" and "e-" not in " ".join(text)


def test_number_cells_do_not_wrap_in_html():
    from qseg.document import html_table

    rows = [cell("sa", f"i{k}") for k in range(2)]
    html = html_table(summary_rows(summary_table(frame(rows))))
    assert '<td class="number">' in html and "white-space: nowrap" in __import__("qseg.document").document.CSS


def test_oriented_ratio_is_one_at_optimum_and_lower_when_worse_for_both_senses():
    # minimising: objective 12 over reference 10 is 1.2 stored, 10/12 oriented; maximising 8/10 stays
    oriented = metrics.oriented_ratio([1.2, 0.8, 1.0, None], ["min", "max", "min", "max"])
    assert oriented[:3] == pytest.approx([10 / 12, 0.8, 1.0]) and np.isnan(oriented[3])


def test_solver_facts_show_ranges_and_lists():
    assert fact_summary([[0.001, 60.9], [0.002, 2.8]]) == "[0.001–0.002, 2.8–60.9]"
    assert fact_summary([3, 5, 4]) == "3–5" and fact_summary([7.0, 7.0]) == "7"
    assert fact_summary(["geometric", "linear", "geometric"]) == '"geometric", "linear"'

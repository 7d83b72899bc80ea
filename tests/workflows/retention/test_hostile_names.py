"""The retention analysis with hostile action names and channels: treatment_plan.csv holds no
formula cell and every plot is drawn (a ``$x$`` action never reaches mathtext)."""

from __future__ import annotations

import csv
import re

import numpy as np

import qseg
from qseg.files import FORMULA_STARTS
from qseg.workflows import retention as analysis

NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"


def test_hostile_action_names_are_text_in_the_plan_and_literal_in_the_plots(tmp_path):
    problem = qseg.problem("assignment", size=40, seed=3)
    hostile = ["=HYPERLINK(\"http://evil\")", "-1+cmd|' /C calc'!A0", "@SUM(1)", "$x$", "$\\frac{", "+a"]
    problem.action_names = [hostile[i % len(hostile)] for i in range(problem.num_actions)]
    problem.channel = np.asarray(["=chan" for _ in problem.channel], dtype=object)
    actions = analysis.best_actions(problem, qseg.backend("highs").solve(problem.cqm()))
    written = analysis.write_analysis(problem, actions, tmp_path / "$x$", budgets=[20, 60])
    assert all(path.stat().st_size > 0 for path in written)
    with open(tmp_path / "$x$" / "treatment_plan.csv", encoding="utf-8") as stream:
        cells = [cell for row in csv.reader(stream) for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not re.fullmatch(NUMBER, cell)] == []
    assert "'=chan" in cells

"""The interim `make bench`: a fixed set of knapsack comparisons, printed and written to
results/ (until the benchmark harness lands, this is the main job).

    python benchmarks/knapsack_comparison.py [--out results]

1. seed-000 with a binding budget (budget_fraction=0.5; optimum 959.538): every embedded
   backend and formulation side by side, with the greedy and DP baselines.
2. seed-000 as the notebook had it (budget 2000, does not bind): the notebook's `equality`
   QUBO against `unbalanced` and the exact answer.
3. Standard instances with published optima, n <= 200: `sa` on `unbalanced` over 31 Pisinger
   instances (types 1, 2, 3, 9, 11).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

import qseg
from qseg.data.instances import instance_roots
from qseg.environment import provenance

COLUMNS = ["instance", "backend", "formulation", "objective", "reference", "gap", "feasible",
           "feasible_fraction", "wall_s"]


def seed_comparison(budget_fraction: float | None) -> list[qseg.Record]:
    """Return records for every embedded backend/formulation on seed-000."""
    params = {} if budget_fraction is None else {"budget_fraction": budget_fraction}
    problem = qseg.problem("knapsack", data="seed-000", **params)
    runs = [("sa", f) for f in problem.formulations] + [("tabu", "unbalanced"), ("random", "unbalanced")]
    records = [qseg.solve(problem, backend, formulation=f, reference=True) for backend, f in runs]
    records += [qseg.solve(problem, name, reference=True) for name in ("cbc", "highs")]
    records += [qseg.solve_baseline(problem, name, reference=True) for name in problem.baselines()]
    return records


def standard_instances() -> list[str]:
    """Return the FILE#NAME specs of the Pisinger instances with n <= 200 used for the target."""
    roots = instance_roots()
    if not roots:
        return []
    folder = roots[0] / "knapsack"
    specs = [p.name for p in sorted((folder / "large_scale").iterdir()) if p.name.split("_")[2] in ("100", "200")]
    for path in sorted((folder / "pisinger_csv").rglob("*.csv")):
        names = [line.strip() for line in path.read_text().splitlines() if line.startswith("knapPI_")]
        specs += [f"{path.name}#{name}" for name in names[:5]]
    return specs


def table(records: list[qseg.Record]) -> pd.DataFrame:
    """Return the display columns of ``records``."""
    frame = pd.DataFrame([r.to_dict() for r in records])
    return frame[COLUMNS]


def markdown(frame: pd.DataFrame) -> str:
    """Return ``frame`` as a GitHub markdown table."""
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return "-" if value is None else str(value)

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def main() -> int:
    """Run the comparisons; print and write them. Return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    sections = []
    binding = table(seed_comparison(0.5))
    sections.append(("seed-000, binding budget (budget_fraction=0.5)", binding))
    notebook = table(seed_comparison(None))
    sections.append(("seed-000 as in the notebook (budget 2000 does not bind)", notebook))
    specs = standard_instances()
    summary = ""
    if specs:
        records = [qseg.solve(qseg.problem("knapsack", data=spec), "sa", formulation="unbalanced") for spec in specs]
        standard = table(records)
        sections.append((f"Pisinger instances, n <= 200: sa / unbalanced ({len(specs)} instances)", standard))
        gaps = standard["gap"].astype(float)
        summary = (f"{len(standard)} instances: feasible {int(standard['feasible'].sum())}/{len(standard)}, "
                   f"mean gap {gaps.mean():.4%}, median {gaps.median():.4%}, max {gaps.max():.4%}")
    else:
        print("note: ../shared/instances not found; standard instances skipped", file=sys.stderr)

    lines = ["# Knapsack targeting: interim comparison", "",
             "Produced by `make bench` (`benchmarks/knapsack_comparison.py`). Default parameters: "
             "sa 100 reads x 1000 sweeps, tabu 10 reads x 50 restarts, random 100 reads; gap to the exact "
             "(cbc) or published optimum.", ""]
    for title, frame in sections:
        lines += [f"## {title}", "", markdown(frame), ""]
    if summary:
        lines += [f"**Standard instances:** {summary}", ""]
    env = provenance()
    lines += ["## Provenance", "", "```json", json.dumps(env, indent=2), "```", ""]
    report = "\n".join(lines)
    (args.out / "knapsack-comparison.md").write_text(report)
    pd.concat([frame.assign(section=title) for title, frame in sections]).to_csv(
        args.out / "knapsack-comparison.csv", index=False
    )
    print(report)
    print(f"wrote {args.out / 'knapsack-comparison.md'} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

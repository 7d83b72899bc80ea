"""The four exact backends side by side in one run (issue 21): cbc, highs, gurobi and scip on
the retention memo's 250 x 8 assignment, a larger assignment (2,000 x 8, over the restricted
Gurobi licence: skipped with its reason), an OR-Library GAP instance and OR-Library p-median
instances (``kmedoids --data pmedN.txt``; the GAP and pmed files are found through
``$QSEG_INSTANCES_DIR`` or ``../shared/instances``, and skipped when absent).

Run with ``make benchmarks`` or
``QSEG_INSTANCES_DIR=/work/shared/instances pytest benchmarks/test_mip_solvers.py -s``.
Each round solves the instance with every backend in turn (interleaved, so that a noisy
machine slows them alike); the table gives each backend's median wall time over the rounds
(``info["timing"]["wall_ns"]``: the CQM handed to ``backend.solve`` to the SampleSet). The
checks assert what the backends prove (the same optimum, the published one where known), not
times.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np
import pytest

import qseg
from qseg.data.instances import find_instance_file
from qseg.errors import BackendUnavailableError, BadInputError, ModelTooLargeError

BACKENDS = ("cbc", "highs", "gurobi", "scip")
ROUNDS = 3
TIME_LIMIT_S = 300.0  # a solve not proven within it is reported with its gap, not waited on


@dataclass
class Instance:
    """A named CQM, the problem that scores its samples (None: the CQM's own objective) and
    the published optimum in the problem's sense (None when none is published)."""

    name: str
    cqm: dimod.ConstrainedQuadraticModel
    problem: Any
    published: float | None


def gap_cqm(path: str, index: int) -> dimod.ConstrainedQuadraticModel:
    """Return OR-Library GAP problem ``index`` (1-based) of ``path`` as a CQM: each job to
    exactly one agent, agents' capacities, maximise sum c_ij x_ij (stated as minimising its
    negative). The file's format is in the instances folder's README."""
    numbers = np.array(open(path).read().split(), dtype=float)
    position = 1
    for problem in range(1, index + 1):
        agents, jobs = int(numbers[position]), int(numbers[position + 1])
        position += 2
        cost = numbers[position:position + agents * jobs].reshape(agents, jobs)
        position += agents * jobs
        resource = numbers[position:position + agents * jobs].reshape(agents, jobs)
        position += agents * jobs
        capacity = numbers[position:position + agents]
        position += agents
        if problem == index:
            break
    cqm = dimod.ConstrainedQuadraticModel()
    names = [[f"x_{i}_{j}" for j in range(jobs)] for i in range(agents)]
    cqm.add_variables("BINARY", [name for row in names for name in row])
    cqm.set_objective([(names[i][j], -cost[i, j]) for i in range(agents) for j in range(jobs)])
    for j in range(jobs):
        cqm.add_constraint_from_iterable([(names[i][j], 1.0) for i in range(agents)], "==", 1.0, label=f"job_{j}")
    for i in range(agents):
        cqm.add_constraint_from_iterable(list(zip(names[i], resource[i])), "<=", float(capacity[i]), label=f"agent_{i}")
    return cqm


def published_optimum(instance_file: str, key: str) -> float:
    """Return the optimum the OPTIMA.csv beside ``instance_file`` publishes for instance ``key``."""
    table = find_instance_file(instance_file).parent / "OPTIMA.csv"
    with open(table) as rows:
        return float(next(row["optimum"] for row in csv.DictReader(rows) if row["instance"] == key))


def _assignment(size: int) -> Callable[[], Instance]:
    def build() -> Instance:
        problem = qseg.problem("assignment", size=size, seed=0)
        return Instance(f"assignment {size} x 8", problem.cqm(), problem, None)

    return build


def _gap(file: str, index: int, name: str) -> Callable[[], Instance]:
    def build() -> Instance:
        path = find_instance_file(file)
        return Instance(f"GAP {name} ({file} #{index})", gap_cqm(str(path), index), None,
                        published_optimum(file, name))

    return build


def _pmed(number: int) -> Callable[[], Instance]:
    def build() -> Instance:
        problem = qseg.problem("kmedoids", data=f"pmed{number}.txt")
        return Instance(f"pmed{number} (kmedoids, n={problem.size})", problem.cqm(), problem,
                        published_optimum(f"pmed{number}.txt", f"pmed{number}"))

    return build


INSTANCES = {
    "memo-250": _assignment(250),
    "assignment-2000": _assignment(2000),
    "gap-c1060-5": _gap("gap12.txt", 5, "c1060-5"),
    "pmed1": _pmed(1),
    "pmed2": _pmed(2),
}


@dataclass
class Row:
    """One backend's results on one instance over the rounds."""

    backend: str
    walls: list[float]
    info: dict[str, Any] | None
    value: float | None  # the best sample's objective in the problem's own terms
    skipped: str = ""

    def line(self) -> str:
        """Return the row of the printed table."""
        if self.skipped:
            return f"| {self.backend} | skipped: {self.skipped} |||||"
        assert self.info is not None
        info = self.info
        return (f"| {self.backend} | {info['method']} | {info['mip_status']} proven={info['proven_optimal']} | "
                f"{info['objective']:.6f} | {info['bound']:.6f} | {info['mip_gap']} | "
                f"{statistics.median(self.walls):.3f} s ({', '.join(f'{w:.3f}' for w in self.walls)})"
                + ("" if self.value is None else f" | {self.value:.4f}") + " |")


def _score(instance: Instance, sampleset: dimod.SampleSet) -> float | None:
    if instance.problem is None:
        return None if len(sampleset) == 0 else -float(sampleset.first.energy)
    if len(sampleset) == 0:
        return None
    return float(instance.problem.evaluate(dict(sampleset.first.sample)).objective)


def side_by_side(instance: Instance, backends: tuple[str, ...] = BACKENDS, rounds: int = ROUNDS,
                 **params: Any) -> dict[str, Row]:
    """Return each backend's row: ``rounds`` interleaved rounds, every backend once per round;
    a backend unavailable here or refusing the model (a licence limit) is skipped with why."""
    rows: dict[str, Row] = {}
    for name in backends:
        backend = qseg.backend(name)
        try:
            backend.check(instance.cqm, {"time_limit": TIME_LIMIT_S, **params})
        except (BackendUnavailableError, ModelTooLargeError) as exc:
            rows[name] = Row(name, [], None, None, skipped=exc.reason)
        else:
            rows[name] = Row(name, [], None, None)
    for _ in range(rounds):
        for name, row in rows.items():
            if row.skipped:
                continue
            sampleset = qseg.backend(name).solve(instance.cqm, time_limit=TIME_LIMIT_S, **params)
            row.walls.append(sampleset.info["timing"]["wall_ns"] / 1e9)
            row.info, row.value = dict(sampleset.info), _score(instance, sampleset)
    return rows


def print_table(title: str, rows: dict[str, Row]) -> None:
    """Print the rows as a markdown table."""
    print(f"\n{title}\n| backend | route | status | objective (min) | bound | MIP gap | "
          f"median wall ({ROUNDS} rounds) | problem objective |\n|---|---|---|---|---|---|---|---|")
    for row in rows.values():
        print(row.line())


def load(key: str) -> Instance:
    """Return the instance, skipping the test when its files are not found here."""
    try:
        return INSTANCES[key]()
    except BadInputError as exc:
        pytest.skip(f"{key}: {exc}")


@pytest.mark.parametrize("key", sorted(INSTANCES))
def test_exact_backends_side_by_side(benchmark, key):
    instance = load(key)
    rows = benchmark.pedantic(side_by_side, args=(instance,), rounds=1, iterations=1)
    print_table(f"{instance.name}: {len(instance.cqm.variables):,} binaries, "
                f"{len(instance.cqm.constraints):,} constraints", rows)
    solved = {name: row for name, row in rows.items() if not row.skipped}
    benchmark.extra_info.update({name: {"median_wall_s": statistics.median(row.walls), "method": row.info["method"],
                                        "objective": row.info["objective"], "proven": row.info["proven_optimal"]}
                                 for name, row in solved.items() if row.info is not None})
    benchmark.extra_info.update({name: {"skipped": row.skipped} for name, row in rows.items() if row.skipped})
    assert {"cbc", "highs"} <= set(solved)
    proven = {name: row.info["objective"] for name, row in solved.items() if row.info and row.info["proven_optimal"]}
    assert "highs" in proven, "highs did not prove this instance within the time limit"
    for name, objective in proven.items():
        assert objective == pytest.approx(proven["highs"], rel=1e-9, abs=1e-6), name
    if instance.published is not None:
        value = solved["highs"].value
        assert value == pytest.approx(instance.published, rel=1e-9), "highs misses the published optimum"
    if key == "memo-250":  # the target: all four prove the same optimum
        available = [name for name in ("gurobi", "scip") if not rows[name].skipped]
        assert set(available) <= set(proven)


# SCIP at 2,000 x 8 (structured and plain MIP interleaved, three rounds each) had not finished after
# 4 minutes, the plain MIP being the slow one (18.9 s at 1,000 x 8), so 1,000 x 8 is the largest
# size compared here; the side-by-side table has 2,000 x 8 under method=auto.
@pytest.mark.parametrize("name, size", [("gurobi", 250), ("scip", 250), ("highs", 250), ("scip", 1000),
                                        ("highs", 1000)])
def test_structured_route_against_the_plain_mip(benchmark, name, size):
    """Whether the one-hot route helps a backend: method=structured and method=mip interleaved
    on the same assignment instance (what STRUCTURED_MIN_COLUMNS in qseg_mip.milp_backend rests on)."""
    instance = _assignment(size)()
    backend = qseg.backend(name)
    reason = backend.unavailable_reason()
    if reason:
        pytest.skip(reason)
    limit = backend.limit_reason(instance.cqm, {})
    if limit:
        pytest.skip(limit)

    def both() -> dict[str, list[Any]]:
        walls: dict[str, list[Any]] = {"structured": [], "mip": []}
        for _ in range(ROUNDS):
            for method in walls:
                info = backend.solve(instance.cqm, method=method, time_limit=TIME_LIMIT_S).info
                walls[method].append((info["timing"]["wall_ns"] / 1e9, info["objective"], info["proven_optimal"],
                                      info["method"]))
        return walls

    walls = benchmark.pedantic(both, rounds=1, iterations=1)
    medians = {method: statistics.median(w for w, *_ in runs) for method, runs in walls.items()}
    print(f"\n{name} on {instance.name}: structured {medians['structured']:.3f} s, plain MIP {medians['mip']:.3f} s "
          f"(ratio plain/structured {medians['mip'] / medians['structured']:.2f}; runs {walls})")
    benchmark.extra_info.update(structured_median_s=medians["structured"], mip_median_s=medians["mip"])
    objectives = {method: runs[-1][1] for method, runs in walls.items()}
    assert all(proven for runs in walls.values() for _, _, proven, _ in runs)
    assert objectives["structured"] == pytest.approx(objectives["mip"], rel=1e-9, abs=1e-6)
    assert walls["structured"][-1][3] == "structured-lp" and walls["mip"][-1][3] == "mip"

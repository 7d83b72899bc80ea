"""``Record.details``: its closed part (``SolverDetails``) declares what the solve copies from a
backend's ``SolverInfo`` with the same types, and a solved record splits into that part and the
problem's own open facts."""

from __future__ import annotations

from typing import get_type_hints

import qseg
from qseg.backends.info import EmbeddingInfo, SolverInfo
from qseg.record import SOLVER_DETAIL_KEYS, EmbeddingDetails, Record, SolverDetails, Status
from qseg.solving.solve import _DETAIL_KEYS, _EMBEDDING_DETAIL_KEYS


def test_the_solver_facts_copied_into_details_are_declared_with_solver_info_types():
    declared, reported = get_type_hints(SolverDetails), get_type_hints(SolverInfo)
    assert set(_DETAIL_KEYS) <= SOLVER_DETAIL_KEYS
    assert {key: declared[key] for key in _DETAIL_KEYS} == {key: reported[key] for key in _DETAIL_KEYS}
    embedding, embedding_info = get_type_hints(EmbeddingDetails), get_type_hints(EmbeddingInfo)
    assert set(embedding) == set(_EMBEDDING_DETAIL_KEYS)
    assert embedding == {key: embedding_info[key] for key in _EMBEDDING_DETAIL_KEYS}


def test_a_polished_solve_splits_details_into_solver_facts_and_problem_facts():
    problem = qseg.problem("knapsack", size=12, seed=2)
    record = qseg.solve(problem, "sa", polish=True, reference=True, params={"num_reads": 10, "num_sweeps": 50})
    solver, own = record.solver_details(), record.problem_details()
    assert set(solver) | set(own) == set(record.details) and not set(solver) & set(own)
    assert "raw" in solver and "spend" in own and "budget" in own and "kappa" in own
    assert solver["raw"]["feasible_fraction"] == record.details["raw"]["feasible_fraction"]


def test_add_details_writes_into_the_one_flat_details_object():
    record = Record(problem="p", instance="i", formulation="f", backend="b", size=1, seed=0, status=Status.OK,
                    sense="min", details={"spend": 1.0})
    record.add_details({"mip_status": "optimal", "raw": {"objective": 2.0, "feasible_fraction": 0.5}})
    assert record.to_dict()["details"] == {"spend": 1.0, "mip_status": "optimal",
                                           "raw": {"objective": 2.0, "feasible_fraction": 0.5}}
    assert record.solver_details() == {"mip_status": "optimal", "raw": {"objective": 2.0, "feasible_fraction": 0.5}}
    assert record.problem_details() == {"spend": 1.0}

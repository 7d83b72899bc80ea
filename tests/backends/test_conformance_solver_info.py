"""SolverInfo: the declared ``SampleSet.info`` contract, its checker and its conformance check."""

from __future__ import annotations

from typing import Any

import dimod
import numpy as np
import pytest

import qseg.backends as backends
from qseg.backends import (
    EMBEDDING_KEYS,
    KEYS,
    MIP_STATUSES,
    TIMING_KEYS,
    Backend,
    Parameter,
    SolverInfo,
    solver_info_problems,
)
from qseg.testing import CHECKS, check_backend

CONFORMING: SolverInfo = {
    "timing": {"wall_ns": 10, "sampling_ns": 5},
    "params": {"num_reads": 3},
    "mip_status": "feasible",
    "proven_optimal": False,
    "objective": -3,  # an int where a float is declared is fine
    "bound": np.float64(-4.5),  # numpy's float64 is a float
    "mip_gap": None,  # declared Optional
    "embedding": {"physical_qubits": 12, "mean_chain_length": 2.0, "chain_strength_rule": None, "cached": True},
    "qaoa": {"num_qubits": 3, "initial_point": [0.1, 0.2], "optimal_parameters": None},
    "duals": {"budget": -0.5, 3: 0.0},
    "extra": {"anything": np.int64(3), "nested": {"is": ["free"]}},
}


def test_a_conforming_info_has_no_problems():
    assert solver_info_problems(CONFORMING) == []
    assert solver_info_problems({}) == []


@pytest.mark.parametrize(
    "info, expected",
    [
        ({"beta_range": [0.1, 1.0]}, "info['beta_range']: undeclared key"),
        ({"timing": {"wall_ns": 1, "queue_ns": 2}}, "info['timing']['queue_ns']: undeclared key"),
        ({"embedding": {"qubits": 3}}, "info['embedding']['qubits']: undeclared key"),
        ({"timing": {"wall_ns": np.int64(7)}}, "info['timing']['wall_ns']: expected int, got numpy.int64"),
        ({"timing": {"wall_ns": 1.5}}, "expected int, got float"),
        ({"reps": True}, "info['reps']: expected int, got bool"),
        ({"proven_optimal": np.bool_(True)}, "info['proven_optimal']: expected bool, got numpy.bool"),
        ({"proven_optimal": 1}, "expected bool, got int"),
        ({"mip_gap": "0"}, "info['mip_gap']: expected float, got str"),
        ({"time_limit_s": None}, "info['time_limit_s']: is None, which is allowed only where declared Optional"),
        ({"mip_status": "timeout"}, "info['mip_status']: expected one of 'optimal'"),
        ({"embedding": {"physical_qubits": np.int32(4)}}, "info['embedding']['physical_qubits']: expected int"),
        ({"qaoa": {"initial_point": (0.1, 0.2)}}, "info['qaoa']['initial_point']: expected list[float]"),
        ({"qaoa": {"initial_point": [0.1, "x"]}}, "info['qaoa']['initial_point'][1]: expected float"),
        ({"duals": {"cap": None}}, "info['duals']['cap']: is None"),
        ({"embedding": [1, 2]}, "info['embedding']: expected a dict (EmbeddingInfo)"),
        ({"extra": [1]}, "info['extra']: expected dict[str, Any]"),
        ({"extra": {3: "x"}}, "info['extra'] key 3: expected str"),
    ],
)
def test_each_problem_is_named_readably(info: dict[str, Any], expected: str):
    problems = solver_info_problems(info)
    assert len(problems) == 1 and expected in problems[0], problems


def test_every_problem_is_reported_not_only_the_first():
    problems = solver_info_problems({"a": 1, "b": 2, "reps": 1.0})
    assert len(problems) == 3


def test_every_declared_key_has_its_constant_and_the_statuses_are_the_literal():
    for key in KEYS | TIMING_KEYS | EMBEDDING_KEYS:
        assert getattr(backends, key.upper()) == key, key
    assert set(MIP_STATUSES) == {"optimal", "feasible", "infeasible", "unbounded", "no-solution"}
    assert backends.MIP_INFEASIBLE in MIP_STATUSES and backends.MIP_STATUS == "mip_status"
    assert "extra" in KEYS and "wall_ns" in TIMING_KEYS


class _Zeros(Backend):
    name = "zeros"
    accepts = frozenset({"bqm"})
    parameters = {"num_reads": Parameter(int, 2, "reads", 1)}
    info: dict[str, Any] = {}

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        labels = list(model.variables)
        sampleset = dimod.SampleSet.from_samples_bqm(([[0] * len(labels)] * params["num_reads"], labels), model)
        sampleset.info.update(self.info)
        return sampleset


def test_the_conformance_suite_runs_the_solver_info_check():
    assert any(check.__name__ == "check_solver_info_declared" for check in CHECKS)


@pytest.mark.parametrize(
    "info, message",
    [
        ({"flips": 3}, "undeclared key"),
        ({"shots": np.int64(2)}, "expected int, got numpy.int64"),
    ],
)
def test_the_conformance_suite_fails_a_backend_with_undeclared_or_mistyped_info(info, message):
    class Leaky(_Zeros):
        pass

    Leaky.info = info
    with pytest.raises(AssertionError, match=message):
        check_backend(Leaky())


def test_the_extra_escape_hatch_passes_the_conformance_suite():
    class WithExtra(_Zeros):
        info = {"extra": {"flips": np.int64(3)}}

    assert "check_solver_info_declared" not in check_backend(WithExtra())

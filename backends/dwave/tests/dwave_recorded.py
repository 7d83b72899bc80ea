"""Recorded fake Leap clients: the real dwave-system samplers (their time-limit rules and
validation run unchanged) over fake cloud solvers whose properties are the ones
dwave-cloud-client records for its own tests, solving locally instead of over the network."""

from __future__ import annotations

import concurrent.futures
from types import SimpleNamespace
from typing import Any

import dimod
import numpy as np
from dwave.cloud.testing import mocks
from dwave.system import LeapHybridCQMSampler, LeapHybridNLSampler, LeapHybridSampler

FAKE_TOKEN = "DEV-0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"


class _Done:
    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


class RecordedHybridSolver:
    """A Leap hybrid solver's surface: properties, upload, sample; answers computed locally."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.properties = data["properties"]
        self.name = data["identity"]["name"]
        self.supported_problem_types = self.properties["supported_problem_types"]
        self.submitted: list[dict[str, Any]] = []

    def upload_bqm(self, file: Any) -> _Done:
        self._model = dimod.BinaryQuadraticModel.from_file(file)
        return _Done("uploaded-bqm")

    def upload_problem(self, file: Any) -> _Done:
        return self.upload_cqm(file)

    def upload_cqm(self, file: Any) -> _Done:
        file.seek(0)  # dwave-system read the header first
        self._model = dimod.ConstrainedQuadraticModel.from_file(file)
        return _Done("uploaded-cqm")

    def sample_bqm(self, problem_id: str, time_limit: float, **kwargs: Any) -> SimpleNamespace:
        from dwave.samplers import SimulatedAnnealingSampler

        self.submitted.append({"time_limit": time_limit, **kwargs})
        sampleset = SimulatedAnnealingSampler().sample(self._model, num_reads=5, num_sweeps=200, seed=0)
        return SimpleNamespace(sampleset=_with_leap_info(sampleset, time_limit))

    def sample_cqm(self, problem_id: str, time_limit: float, **kwargs: Any) -> SimpleNamespace:
        self.submitted.append({"time_limit": time_limit, **kwargs})
        cqm = self._model
        states = np.random.default_rng(0).integers(0, 2, size=(8, len(cqm.variables)))
        sampleset = dimod.SampleSet.from_samples_cqm((states, cqm.variables), cqm)
        return SimpleNamespace(sampleset=_with_leap_info(sampleset, time_limit))


def _with_leap_info(sampleset: dimod.SampleSet, time_limit: float) -> dimod.SampleSet:
    # Leap reports times in microseconds at the top level of info (charge = run time).
    sampleset.info.clear()
    sampleset.info.update({"qpu_access_time": 41_000, "charge_time": int(time_limit * 1e6),
                           "run_time": int(time_limit * 1e6), "problem_id": "recorded"})
    return sampleset


def recorded_sampler(kind: str, **overrides: Any) -> Any:
    """Return a factory building the real dwave-system sampler of ``kind`` ("bqm", "cqm", "nl")
    around a recorded solver; the factory keeps the client config it was given."""
    data = {"bqm": mocks.hybrid_bqm_solver_data, "cqm": mocks.hybrid_cqm_solver_data,
            "nl": mocks.hybrid_nl_solver_data}[kind](**overrides)
    cls = {"bqm": LeapHybridSampler, "cqm": LeapHybridCQMSampler, "nl": _RecordedNLSampler}[kind]
    seen: list[dict[str, Any]] = []

    def factory(**config: Any) -> Any:
        seen.append(config)
        sampler = cls.__new__(cls)
        sampler.client = None
        sampler.solver = RecordedHybridSolver(data)
        return sampler

    factory.configs = seen  # type: ignore[attr-defined]
    return factory


class _RecordedNLSampler(LeapHybridNLSampler):
    """LeapHybridNLSampler whose ``sample`` fills the model's states locally (random states)."""

    def sample(self, model: Any, time_limit: float | None = None, **kwargs: Any) -> concurrent.futures.Future:
        rng = np.random.default_rng(0)
        model.states.resize(3)
        for decision in model.iter_decisions():
            size = int(np.prod(decision.shape()))
            for state in range(3):
                decision.set_state(state, rng.integers(0, 2, size).astype(float))
        future: concurrent.futures.Future = concurrent.futures.Future()
        info = {"timing": {"qpu_access_time": 0, "charge_time": int(time_limit * 1e6), "run_time": int(time_limit * 1e6)},
                "problem_id": "recorded"}
        future.set_result(SimpleNamespace(model=model, info=info))
        return future


def recorded_qpu(**_: Any) -> Any:
    """Return a MockDWaveSampler on a small Pegasus graph carrying the recorded Advantage timing
    model, standing in for DWaveSampler (same sampler surface, no network)."""
    from dwave.cloud.testing.mocks import qpu_problem_timing_data
    from dwave.system.testing import MockDWaveSampler

    sampler = MockDWaveSampler(topology_type="pegasus", topology_shape=[4], exact_solver_cutoff=0,
                               parameter_warnings=False)
    sampler.properties["problem_timing_data"] = qpu_problem_timing_data("advantage")
    return sampler

"""Annealing on a QPU graph: the real QPU (``qpu``) and an offline mock with a real topology
(``mock-qpu``), both through a cached minor embedding.

Chain strength rule (when ``chain_strength`` is not given): uniform torque compensation with
prefactor 1.414 (dwave-system's default, ``uniform_torque_compensation``), computed once per model
and recorded. Embedding statistics (physical qubits, chain lengths, chain-break fraction) are
recorded for both; the mock's ``qpu_access_time`` is fake and never reported as QPU time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, ClassVar

import dimod
import numpy as np

from qseg.backends import Backend, Parameter
from qseg.errors import BadInputError, SolverError
from qseg_dwave.credentials import CLIENT_CONFIG, guarded, hardware_unavailable_reason, installed
from qseg_dwave.embedding import Embedding, find_embedding, target_id

CHAIN_STRENGTH_RULE = "uniform_torque_compensation(prefactor=1.414)"
# Advantage 4.1's problem_timing_data as recorded by dwave-cloud-client (August 2022): the timing
# model used to estimate what an embedded problem would cost where the solver cannot say.
RECORDED_TIMING_MODEL = "advantage4.1-2022-08"
_SEED = Parameter(int, None, "random seed; the same seed gives the same samples", 0, 2**31 - 1)

_EMBEDDING_PARAMETERS = {
    "num_reads": Parameter(int, 100, "anneals (reads)", 1),
    "chain_strength": Parameter(float, None, f"None = {CHAIN_STRENGTH_RULE}", 0.0),
    "embedding_seed": Parameter(int, 0, "minorminer's random seed (part of the embedding cache key)", 0, 2**31 - 1),
    "embedding_timeout": Parameter(float, 60.0, "seconds minorminer may search", 0.1),
    "max_variables": Parameter(int, 177, "refuse larger models (a Pegasus P16 fits a 177-clique)", 1),
}


class EmbeddedBackend(Backend):
    """Shared embed → sample → unembed path; subclasses provide the structured sampler."""

    accepts = frozenset({"bqm"})
    max_variables = 177

    def _sampler(self, params: Mapping[str, Any]) -> tuple[Any, str]:
        """Return the structured sampler and the target graph's identity."""
        raise NotImplementedError

    def _sample_kwargs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def embed(self, bqm: dimod.BinaryQuadraticModel, params: Mapping[str, Any]) -> tuple[Any, Embedding]:
        """Return the sampler and the (cached) embedding of ``bqm`` on its graph."""
        sampler, target = self._sampler(params)
        try:
            embedding = find_embedding(
                bqm, sampler.edgelist, target, seed=params["embedding_seed"], timeout_s=params["embedding_timeout"]
            )
        except ValueError as exc:
            raise SolverError(f"{self.name}: {exc} ({len(bqm.variables)} variables on {target})") from None
        return sampler, embedding

    def _solve(self, model: dimod.BinaryQuadraticModel, params: dict[str, Any]) -> dimod.SampleSet:
        from dwave.embedding.chain_strength import uniform_torque_compensation
        from dwave.system import FixedEmbeddingComposite

        sampler, embedding = self.embed(model, params)
        chain_strength = params["chain_strength"]
        if chain_strength is None:
            chain_strength = float(uniform_torque_compensation(model, prefactor=1.414))
        start = time.perf_counter_ns()
        sampleset = FixedEmbeddingComposite(sampler, embedding.chains).sample(
            model, num_reads=params["num_reads"], chain_strength=chain_strength, **self._sample_kwargs(params)
        )
        sampleset.resolve()
        sampling_ns = time.perf_counter_ns() - start
        breaks = sampleset.record.chain_break_fraction
        occurrences = sampleset.record.num_occurrences
        solver_timing = dict(sampleset.info.get("timing") or {})
        out: dimod.SampleSet = dimod.SampleSet.from_samples_bqm(
            (sampleset.record.sample, sampleset.variables), model, num_occurrences=occurrences
        )
        out.info.update({
            "timing": {"embedding_ns": embedding.find_ns, "sampling_ns": sampling_ns},
            "embedding": {
                **embedding.statistics(),
                "chain_break_fraction": float(np.average(breaks, weights=occurrences)) if len(breaks) else 0.0,
                "chain_strength": chain_strength,
                "chain_strength_rule": None if params["chain_strength"] is not None else CHAIN_STRENGTH_RULE,
                "cached": embedding.cached,
                "target": embedding.target,
            },
        })
        self._add_solver_facts(out.info, solver_timing, embedding, params, sampler)
        return out

    def _add_solver_facts(
        self, info: dict[str, Any], solver_timing: dict[str, Any], embedding: Embedding, params: Mapping[str, Any], sampler: Any
    ) -> None:
        """Add what the solver reported (timing, estimates) to ``info``."""


def estimate_access_us(properties: Mapping[str, Any], num_qubits: int, num_reads: int, annealing_time: float | None) -> float:
    """Return dwave-cloud-client's QPU access time estimate (microseconds) from a solver's
    ``problem_timing_data`` property (its own timing model, not a re-implementation)."""
    from dwave.cloud.solver import StructuredSolver

    holder = SimpleNamespace(properties=properties)
    return float(
        StructuredSolver.estimate_qpu_access_time(holder, num_qubits, num_reads=num_reads, annealing_time=annealing_time)
    )


def recorded_timing_properties() -> dict[str, Any]:
    """Return the recorded Advantage timing model, as a solver ``properties`` mapping."""
    from dwave.cloud.testing.mocks import qpu_problem_timing_data

    return {"problem_timing_data": qpu_problem_timing_data("advantage")}


class QpuBackend(EmbeddedBackend):
    """``DWaveSampler`` (a real QPU through Leap) behind a cached embedding; needs a token."""

    name = "qpu"
    charges = True
    tts_basis = "qpu_access_ns"
    parameters = {
        **_EMBEDDING_PARAMETERS,
        "annealing_time": Parameter(float, None, "microseconds per anneal; None = the solver's default", 0.5, 2000.0),
        "solver": Parameter(str, None, "QPU solver name; None = Ocean's default QPU"),
    }
    # Tests put a recorded fake client here (a callable taking the client config and solver).
    sampler_factory: ClassVar[Callable[..., Any] | None] = None

    def unavailable_reason(self) -> str:
        """Return "" when dwave-system imports and a well-formed token is configured, else why."""
        return hardware_unavailable_reason()

    def _sampler(self, params: Mapping[str, Any]) -> tuple[Any, str]:
        factory = type(self).sampler_factory
        if factory is None:
            from dwave.system import DWaveSampler

            factory = DWaveSampler
        solver = {"name": params["solver"]} if params["solver"] else None
        sampler = factory(**CLIENT_CONFIG, **({"solver": solver} if solver else {}))
        name = getattr(getattr(sampler, "solver", None), "name", None) or sampler.properties.get("chip_id", "qpu")
        return sampler, target_id(str(name), sampler.edgelist)

    def _sample_kwargs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"annealing_time": params["annealing_time"]} if params["annealing_time"] is not None else {}

    def _solve(self, model: dimod.BinaryQuadraticModel, params: dict[str, Any]) -> dimod.SampleSet:
        with guarded(self.name):
            return super()._solve(model, params)

    def estimate_charge_s(self, model: Any, params: Mapping[str, Any]) -> float:
        """Return the QPU access time estimate (seconds) from the solver's timing model for the
        embedded problem (embedding first, which is cached for the cell)."""
        with guarded(self.name):
            sampler, embedding = self.embed(model, params)
            qubits = embedding.statistics()["physical_qubits"]
            return estimate_access_us(sampler.properties, qubits, params["num_reads"], params["annealing_time"]) / 1e6

    def _add_solver_facts(
        self, info: dict[str, Any], solver_timing: dict[str, Any], embedding: Embedding, params: Mapping[str, Any], sampler: Any
    ) -> None:
        if "qpu_access_time" in solver_timing:
            access_ns = int(round(float(solver_timing["qpu_access_time"]) * 1000))
            info["timing"]["qpu_access_ns"] = access_ns
            info["timing"]["charge_ns"] = access_ns  # QPU usage is charged by access time
        if "qpu_sampling_time" in solver_timing:
            info["timing"]["qpu_sampling_ns"] = int(round(float(solver_timing["qpu_sampling_time"]) * 1000))
        info["timing"].setdefault("qpu_access_ns", 0)


_SUBSTITUTES = ("steepest", "sa")
_DEFAULT_SHAPES = {"pegasus": "16", "zephyr": "12,4"}


class MockQpuBackend(EmbeddedBackend):
    """``MockDWaveSampler`` with a real Pegasus P16 (or Zephyr) graph, offline, behind the same
    cached embedding as ``qpu``. It anneals nothing: a substitute solver (greedy steepest descent
    by default, or simulated annealing) solves the embedded problem, and the record says which.
    Its timing is simulated (``timing_simulated``); ``estimated_qpu_access_us`` is what the
    recorded Advantage timing model says the same embedded problem would cost on hardware."""

    name = "mock-qpu"
    seeded = True
    tts_basis = "sampling_ns"
    parameters = {
        **_EMBEDDING_PARAMETERS,
        "substitute": Parameter(str, "steepest", "what solves the embedded problem", choices=_SUBSTITUTES),
        "num_sweeps": Parameter(int, 1000, "sweeps per read when substitute=sa", 1),
        "topology": Parameter(str, "pegasus", "QPU graph family", choices=tuple(_DEFAULT_SHAPES)),
        "topology_shape": Parameter(str, None, "graph size: pegasus '16' (Advantage), zephyr '12,4'"),
        "seed": _SEED,
    }

    def unavailable_reason(self) -> str:
        """Return "" when dwave-system and minorminer are installed, else which is missing."""
        missing = [module for module in ("dwave.system", "minorminer") if not installed(module)]
        return f"{missing[0]} is not installed" if missing else ""

    def resolve_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return the resolved parameters, with the topology shape parsed and checked."""
        resolved = super().resolve_params(params)
        shape = resolved["topology_shape"] or _DEFAULT_SHAPES[resolved["topology"]]
        try:
            numbers = [int(part) for part in shape.split(",")]
        except ValueError:
            raise BadInputError("param topology_shape", shape, "expected integers separated by commas") from None
        expected = 1 if resolved["topology"] == "pegasus" else 2
        if len(numbers) != expected or min(numbers) < 2 or max(numbers) > 32:
            raise BadInputError(
                "param topology_shape", shape, f"{resolved['topology']} takes {expected} integer(s) in [2, 32]"
            )
        resolved["topology_shape"] = ",".join(map(str, numbers))
        return resolved

    def _sampler(self, params: Mapping[str, Any]) -> tuple[Any, str]:
        sampler = _mock_graph(params["topology"], params["topology_shape"])
        from dwave.samplers import SimulatedAnnealingSampler, SteepestDescentSampler

        # dwave-samplers' samplers have untyped __init__s.
        sampler.substitute_sampler = (
            SimulatedAnnealingSampler()
            if params["substitute"] == "sa"
            else SteepestDescentSampler()
        )
        sampler.substitute_kwargs = {"seed": params["seed"]}
        if params["substitute"] == "sa":
            sampler.substitute_kwargs["num_sweeps"] = params["num_sweeps"]
        return sampler, f"mock-{params['topology']}-{params['topology_shape']}"

    def _add_solver_facts(
        self, info: dict[str, Any], solver_timing: dict[str, Any], embedding: Embedding, params: Mapping[str, Any], sampler: Any
    ) -> None:
        info["timing_simulated"] = True
        info["substitute"] = params["substitute"]
        qubits = embedding.statistics()["physical_qubits"]
        info["estimated_qpu_access_us"] = estimate_access_us(recorded_timing_properties(), qubits, params["num_reads"], None)
        info["timing_model"] = RECORDED_TIMING_MODEL


@lru_cache(maxsize=4)
def _mock_graph(topology: str, shape: str) -> Any:
    """Return a MockDWaveSampler for the graph, built once per process (P16 takes ~1.5 s)."""
    from dwave.system.testing import MockDWaveSampler

    return MockDWaveSampler(
        topology_type=topology,
        topology_shape=[int(part) for part in shape.split(",")],
        exact_solver_cutoff=0,  # else problems of <= 16 variables are solved exactly, silently
        parameter_warnings=False,
    )

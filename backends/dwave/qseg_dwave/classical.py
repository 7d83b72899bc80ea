"""Classical Ocean samplers as qseg backends: simulated annealing, tabu search, random."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import dimod
import numpy as np

from qseg.backends import Backend, Parameter, WorkEstimate

# dwave-samplers accepts 0 <= seed < 2**31 (its message says 2^32 - 1, its check does not).
_SEED = Parameter(int, None, "random seed; the same seed gives the same samples", 0, 2**31 - 1)


# Bytes per read beyond its states: energy (float64), occurrences (int64), the record's row.
_READ_OVERHEAD_BYTES = 32
# A generous rate of variable updates per second (a sweep visits every variable and its
# neighbours): the time estimate is a lower bound, so only work that cannot finish is refused.
_UPDATES_PER_SECOND = 1e9


def ising_beta_range(bqm: dimod.BinaryQuadraticModel) -> tuple[float, float]:
    """Return dwave-samplers' default (hot, cold) beta range of ``bqm``, computed with numpy.

    The same rule as ``dwave.samplers.sa.sampler._default_ising_beta_range`` (hot: every spin
    flips with probability >= 1/2 against its largest total field; cold: excitations across the
    smallest non-zero field at rate 0.01, scaled by how many spins share it), which walks the
    couplings in a Python loop: ~3.5 s, or more, of start-up on a dense 1.5 M-coupling QUBO.
    """
    ising = bqm.change_vartype(dimod.SPIN, inplace=False) if bqm.vartype is not dimod.SPIN else bqm
    vectors = ising.to_numpy_vectors()  # (linear, (rows, cols, couplings), offset)
    linear, (rows, cols, couplings) = vectors[0], vectors[1]
    n = len(linear)
    field_h, field_j = np.abs(np.asarray(linear, dtype=float)), np.abs(np.asarray(couplings, dtype=float))
    total = field_h + np.bincount(rows, field_j, minlength=n) + np.bincount(cols, field_j, minlength=n)
    smallest = np.where(field_h != 0, field_h, np.inf)
    nonzero = field_j != 0
    np.minimum.at(smallest, rows[nonzero], field_j[nonzero])
    np.minimum.at(smallest, cols[nonzero], field_j[nonzero])
    present = smallest[np.isfinite(smallest)]
    if not present.size:
        return 0.1, 1.0  # every bias zero: dwave-samplers' own arbitrary range
    largest = float(total.max())
    hot = float(np.log(2) / (2 * largest)) if largest > 0 else 1.0
    weakest = float(present.min())
    sharing = int(np.sum(present == weakest))
    return hot, float(np.log(sharing / 0.01) / (2 * weakest))


class LocalBqmSampler(Backend):
    """What the local seeded BQM samplers share: they take a BQM, are seeded, and report the
    sampling time time-to-solution is computed from. ``state_bytes`` is what one variable of
    one read costs in the solver's and the SampleSet's arrays."""

    accepts = frozenset({"bqm"})
    seeded = True
    tts_basis = "sampling_ns"
    state_bytes = 2  # the solver's int8 states and the SampleSet's copy

    def work_estimate(self, count: int, params: Mapping[str, Any]) -> WorkEstimate | None:
        """Return the states of ``num_reads`` reads (``state_bytes`` per variable per read)."""
        reads = int(params["num_reads"])
        return WorkEstimate(reads * (self.state_bytes * count + _READ_OVERHEAD_BYTES), reads * count / _UPDATES_PER_SECOND,
                            "num_reads", f"{reads:,} reads × {count:,} variables")


def variable_limit(default: int) -> Parameter:
    """Return the ``max_variables`` parameter with ``default`` as its value."""
    return Parameter(int, default, "refuse larger models", 1)


class SimulatedAnnealingBackend(LocalBqmSampler):
    """dwave-samplers' SimulatedAnnealingSampler (the code dwave-neal wraps; alias ``neal``).

    ``max_variables`` defaults to 20,000: preprocessing and per-sweep cost grow with the number
    of interactions (the k-medoids ``assignment`` QUBO at 62,750 variables needs ~47 min).
    The model is converted to SPIN once and its beta range computed with numpy
    (``ising_beta_range``, dwave-samplers' own rule) before the sampler is called: its Python
    rule took seconds on a dense QUBO (benchmarks/test_sampler_startup.py).
    """

    name = "sa"
    max_variables = 20_000
    parameters = {
        "num_reads": Parameter(int, 100, "independent annealing runs", 1),
        "num_sweeps": Parameter(int, 1000, "sweeps per run", 1),
        "beta_schedule_type": Parameter(
            str, "geometric", "how beta grows over the sweeps", choices=("geometric", "linear")
        ),
        "beta_ratio": Parameter(
            float, None, "start at beta = the cold beta / beta_ratio (None: dwave-samplers' rule, hot enough to "
            "flip against the largest total field; on dense penalised QUBOs that wastes most sweeps)", 1.0,
        ),
        "seed": _SEED,
        "max_variables": variable_limit(max_variables),
    }

    def work_estimate(self, count: int, params: Mapping[str, Any]) -> WorkEstimate | None:
        """Return the reads' states plus the beta schedule (one float64 per sweep), and the time
        of ``num_reads`` × ``num_sweeps`` sweeps over ``count`` variables; the knob named is the
        one that drives the larger share."""
        reads, sweeps = int(params["num_reads"]), int(params["num_sweeps"])
        states = reads * (self.state_bytes * count + _READ_OVERHEAD_BYTES)
        schedule = 8 * sweeps
        seconds = reads * sweeps * max(count, 1) / _UPDATES_PER_SECOND
        knob = "num_sweeps" if schedule > states or sweeps > reads else "num_reads"
        return WorkEstimate(states + schedule, seconds, knob,
                            f"{reads:,} reads × {sweeps:,} sweeps × {count:,} variables")

    def _solve(self, model: dimod.BinaryQuadraticModel, params: dict[str, Any]) -> dimod.SampleSet:
        from dwave.samplers import SimulatedAnnealingSampler

        # Converted to SPIN once here (the sampler would copy it again) and its beta range
        # computed with numpy: together the start-up before the first sweep.
        start = time.perf_counter_ns()
        spin = model if model.vartype is dimod.SPIN else model.change_vartype(dimod.SPIN, inplace=False)
        beta_range = ising_beta_range(spin) if len(spin.variables) else None
        if beta_range is not None and params["beta_ratio"] is not None:
            beta_range = (beta_range[1] / params["beta_ratio"], beta_range[1])
        range_ns = time.perf_counter_ns() - start
        sampleset = SimulatedAnnealingSampler().sample(
            spin,
            num_reads=params["num_reads"],
            num_sweeps=params["num_sweeps"],
            beta_schedule_type=params["beta_schedule_type"],
            beta_range=beta_range,
            seed=params["seed"],
        )
        sampleset.change_vartype(model.vartype, inplace=True)
        sampleset.info["timing"]["preprocessing_ns"] += range_ns
        # dwave-samplers' own facts are not SolverInfo keys: its timing stays (sampling_ns,
        # preprocessing_ns, postprocessing_ns), the beta range goes to ``extra``.
        info = sampleset.info
        beta_range = info.pop("beta_range", None)
        info.pop("beta_schedule_type", None)  # already in info["params"]
        if beta_range is not None:
            info["extra"] = {"beta_range": [float(beta) for beta in beta_range]}
        return sampleset


_NO_TIME_LIMIT_MS = 24 * 3600 * 1000


class TabuBackend(LocalBqmSampler):
    """dwave-samplers' TabuSampler (multistart tabu search).

    By default each read stops after ``num_restarts`` restarts, not after a time: a time limit
    makes the answer depend on machine speed, so the same seed would no longer give the same
    samples. Set ``timeout`` (ms) to bound time instead, at that cost. ``max_variables``
    defaults to 5,000 because its memory grows as n² (15,000 variables ≈ 8.7 GB).
    """

    name = "tabu"
    max_variables = 5_000
    parameters = {
        "num_reads": Parameter(int, 10, "independent tabu runs", 1),
        "num_restarts": Parameter(int, 50, "restarts per run (the reproducible stop rule)", 0),
        "timeout": Parameter(int, None, "milliseconds per run (None: no time limit)", 1),
        "seed": _SEED,
        "max_variables": variable_limit(max_variables),
    }

    def work_estimate(self, count: int, params: Mapping[str, Any]) -> WorkEstimate | None:
        """Return the reads' states plus tabu's dense n × n working matrices (~40 B per pair,
        from the measured 8.7 GB at 15,000 variables)."""
        reads = int(params["num_reads"])
        restarts = int(params["num_restarts"]) + 1
        return WorkEstimate(reads * (self.state_bytes * count + _READ_OVERHEAD_BYTES) + 40 * count * count,
                            reads * restarts * count * count / _UPDATES_PER_SECOND, "num_reads",
                            f"{reads:,} reads × {count:,} variables (tabu keeps {count:,}² pairs)")

    def _solve(self, model: dimod.BinaryQuadraticModel, params: dict[str, Any]) -> dimod.SampleSet:
        from dwave.samplers import TabuSampler

        start = time.perf_counter_ns()
        sampleset = TabuSampler().sample(
            model,
            num_reads=params["num_reads"],
            timeout=_NO_TIME_LIMIT_MS if params["timeout"] is None else params["timeout"],
            num_restarts=params["num_restarts"],
            seed=params["seed"],
        )
        sampleset.info["timing"] = {"sampling_ns": time.perf_counter_ns() - start}
        return sampleset


class RandomBackend(LocalBqmSampler):
    """dimod's RandomSampler: uniform random states, the control every comparison needs."""

    name = "random"
    state_bytes = 9  # dimod draws int64 states, then the SampleSet's int8 copy
    parameters = {
        "num_reads": Parameter(int, 100, "random states drawn", 1),
        "seed": _SEED,
    }

    def _solve(self, model: dimod.BinaryQuadraticModel, params: dict[str, Any]) -> dimod.SampleSet:
        start = time.perf_counter_ns()
        # dimod's RandomSampler is untyped (its __init__ and sample return Any).
        sampleset: dimod.SampleSet = dimod.RandomSampler().sample(
            model, num_reads=params["num_reads"], seed=params["seed"]
        )
        sampleset.info["timing"] = {"sampling_ns": time.perf_counter_ns() - start}
        return sampleset

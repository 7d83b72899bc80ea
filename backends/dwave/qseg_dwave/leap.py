"""D-Wave Leap hybrid solvers: BQM (``leap-hybrid``), CQM (``leap-cqm``), nonlinear (``leap-nl``).

Each is unavailable, with the reason, without a well-formed token. Times reported by the solver
(``run_time``, ``charge_time``, ``qpu_access_time``, in microseconds) become ``run_time_ns``,
``charge_ns`` and ``qpu_access_ns``; queue and network time are in ``wall_ns`` only, and
time-to-solution uses the solver's run time (QOBLIB: queue time is not runtime).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import dimod

from qseg.backends import Backend, Parameter
from qseg.backends.nl import nl_sampleset
from qseg.errors import BadInputError
from qseg_dwave.credentials import CLIENT_CONFIG, guarded, hardware_unavailable_reason

_MICROSECONDS = {"run_time": "run_time_ns", "charge_time": "charge_ns", "qpu_access_time": "qpu_access_ns"}


class LeapBackend(Backend):
    """Shared behaviour of the Leap hybrid backends; subclasses name the Ocean sampler."""

    charges = True
    tts_basis = "run_time_ns"
    sampler_path: ClassVar[str] = ""
    submit_method: ClassVar[str] = "sample"
    # Leap's documented floors; the solver's own, size-dependent minimum is checked on submit.
    floor_s: ClassVar[float] = 3.0
    # Tests put a recorded fake client here (a callable taking the client config).
    sampler_factory: ClassVar[Callable[..., Any] | None] = None

    def unavailable_reason(self) -> str:
        """Return "" when dwave-system imports and a well-formed token is configured, else why."""
        return hardware_unavailable_reason()

    def estimate_charge_s(self, model: Any, params: Mapping[str, Any]) -> float:
        """Return the hybrid charge estimate: ``time_limit``, or the solver's minimum for this
        model when none is set (asking the solver, which is free)."""
        if params.get("time_limit") is not None:
            return float(params["time_limit"])
        with guarded(self.name):
            return float(self._minimum_time_limit(self._sampler(), model))

    def _sampler(self) -> Any:
        factory = type(self).sampler_factory
        if factory is None:
            module, _, name = self.sampler_path.partition(":")
            factory = getattr(importlib.import_module(module), name)
        return factory(**CLIENT_CONFIG)

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        with guarded(self.name):
            sampler = self._sampler()
            minimum = float(self._minimum_time_limit(sampler, model))
            time_limit = params["time_limit"]
            if time_limit is not None and time_limit < minimum:
                raise BadInputError(
                    "param time_limit", time_limit, f"below {self.name}'s minimum of {minimum:.3g} s for this model"
                )
            extra = {"label": params["label"]} if params["label"] else {}
            sampleset = self._submit(sampler, model, time_limit or minimum, extra)
            sampleset.resolve()
        info = sampleset.info
        timing = dict(info.get("timing") or {})
        solver_times = {
            **{k: info[k] for k in _MICROSECONDS if k in info},
            **{k: timing[k] for k in _MICROSECONDS if k in timing},
        }
        problem_id = info.get("problem_id")
        info.clear()  # the solver's info can be large; keep what the record uses
        info.update({
            "timing": {_MICROSECONDS[k]: int(round(float(v) * 1000)) for k, v in solver_times.items()},
            "time_limit_s": time_limit or minimum,
            "problem_id": problem_id,
        })
        sampleset.info["timing"].setdefault("run_time_ns", 0)
        return sampleset

    def _minimum_time_limit(self, sampler: Any, model: Any) -> float:
        return max(self.floor_s, float(sampler.min_time_limit(model)))

    def _submit(self, sampler: Any, model: Any, time_limit: float, extra: dict[str, Any]) -> dimod.SampleSet:
        sampleset: dimod.SampleSet = getattr(sampler, self.submit_method)(model, time_limit=time_limit, **extra)
        return sampleset


def _time_limit(floor: float) -> Parameter:
    return Parameter(float, None, "seconds; None = the solver's minimum for this model", floor)


_LABEL = Parameter(str, "qseg", "problem label shown in the Leap dashboard")


class LeapHybridBackend(LeapBackend):
    """``LeapHybridSampler`` on the QUBO (minimum time limit ≈ 3 s, more for large models)."""

    name = "leap-hybrid"
    accepts = frozenset({"bqm"})
    sampler_path = "dwave.system:LeapHybridSampler"
    floor_s = 3.0
    parameters = {"time_limit": _time_limit(3.0), "label": _LABEL}


class LeapCqmBackend(LeapBackend):
    """``LeapHybridCQMSampler`` on the constrained model itself (minimum time limit ≈ 5 s)."""

    name = "leap-cqm"
    accepts = frozenset({"cqm"})
    sampler_path = "dwave.system:LeapHybridCQMSampler"
    floor_s = 5.0
    submit_method = "sample_cqm"
    parameters = {"time_limit": _time_limit(5.0), "label": _LABEL}


class LeapNlBackend(LeapBackend):
    """``LeapHybridNLSampler`` on a ``dwave.optimization`` model (the problem's exact NL form).

    Returns the solver's states as indicator columns (``qseg.backends.nl``).
    """

    name = "leap-nl"
    accepts = frozenset({"nl"})
    sampler_path = "dwave.system:LeapHybridNLSampler"
    floor_s = 5.0
    parameters = {"time_limit": _time_limit(5.0), "label": _LABEL}

    def _minimum_time_limit(self, sampler: Any, model: Any) -> float:
        return max(self.floor_s, float(sampler.estimated_min_time_limit(model)))

    def _submit(self, sampler: Any, model: Any, time_limit: float, extra: dict[str, Any]) -> dimod.SampleSet:
        result = sampler.sample(model, time_limit=time_limit, **extra).result()
        info = dict(result.info)
        return nl_sampleset(result.model, {**dict(info.get("timing") or {}), "problem_id": info.get("problem_id")})

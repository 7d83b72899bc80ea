"""The conformance checks. Each check takes a backend and the parameters that keep it fast,
raises AssertionError on a violation and SkipCheck when it does not apply."""

from __future__ import annotations

import functools
import unittest
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import dimod
import dimod.testing
import numpy as np
from dimod.reference.composites.tracking import TrackingComposite

from qseg.backends import MODEL_KINDS, Backend, Parameter, load_backend, solver_info_problems
from qseg.errors import BackendUnavailableError, BadInputError, ModelTooLargeError, UnknownNameError
from qseg.testing.models import brute_force_minimum, model_variables, random_bqm, random_cqm, random_nl

Check = Callable[[Backend, Mapping[str, Any]], None]


class SkipCheck(Exception):
    """The check does not apply to this backend (e.g. seed checks on an unseeded backend)."""


def _model(kind: str, num_variables: int = 6, seed: int = 7) -> Any:
    if kind == "bqm":
        return random_bqm(num_variables, seed)
    if kind == "cqm":
        return random_cqm(num_variables, seed)
    if kind == "nl":
        return random_nl(num_variables, seed)
    raise SkipCheck(f"no conformance model of kind {kind!r} yet")


def _require_available(backend: Backend) -> None:
    reason = backend.unavailable_reason()
    if reason:
        raise SkipCheck(f"{backend.name} is unavailable: {reason}")


def _solvable_kinds(backend: Backend) -> list[str]:
    return [kind for kind in MODEL_KINDS if kind in backend.accepts]


def check_declares_contract(backend: Backend, params: Mapping[str, Any]) -> None:
    """The backend declares a name, accepted model kinds and well-formed parameters."""
    assert backend.name, "backend has no name"
    assert backend.accepts and set(backend.accepts) <= set(MODEL_KINDS), backend.accepts
    assert isinstance(backend.exact, bool) and isinstance(backend.seeded, bool)
    for key, spec in backend.parameters.items():
        assert isinstance(spec, Parameter), f"parameter {key} is not a qseg Parameter"
        assert spec.coerce(key, spec.default) == spec.default, f"default of {key} fails its own check"
    if backend.seeded:
        assert "seed" in backend.parameters, "a seeded backend must declare a 'seed' parameter"


def check_unavailable_says_why(backend: Backend, params: Mapping[str, Any]) -> None:
    """``unavailable_reason()`` is a string; when non-empty, solving raises with that reason."""
    reason = backend.unavailable_reason()
    assert isinstance(reason, str)
    if not reason:
        raise SkipCheck("backend is available")
    kind = sorted(backend.accepts)[0]
    try:
        backend.solve(_model(kind), **params)
    except BackendUnavailableError as exc:
        assert exc.reason == reason
    else:
        raise AssertionError("an unavailable backend solved a model")


def check_rejects_bad_parameters(backend: Backend, params: Mapping[str, Any]) -> None:
    """An unknown key and a value of the wrong type are BadInputErrors naming the key."""
    _require_available(backend)
    model = _model(_solvable_kinds(backend)[0] if _solvable_kinds(backend) else "bqm")
    try:
        backend.solve(model, **params, not_a_parameter=1)
    except UnknownNameError as exc:
        assert "not_a_parameter" in str(exc)
    else:
        raise AssertionError("an unknown parameter was accepted")
    numeric = [k for k, s in backend.parameters.items() if s.type in (int, float)]
    if numeric:
        key = numeric[0]
        try:
            backend.solve(model, **{**params, key: "not-a-number"})
        except BadInputError as exc:
            assert key in str(exc)
        else:
            raise AssertionError(f"parameter {key}='not-a-number' was accepted")


def check_rejects_wrong_model_kind(backend: Backend, params: Mapping[str, Any]) -> None:
    """A model of a kind the backend does not accept is a BadInputError, not a crash."""
    _require_available(backend)
    others = [kind for kind in ("bqm", "cqm") if kind not in backend.accepts]
    if not others:
        raise SkipCheck("backend accepts every kind the suite can build")
    try:
        backend.solve(_model(others[0]), **params)
    except BadInputError:
        return
    raise AssertionError(f"a {others[0]} was accepted by a backend that does not declare it")


def check_returns_model_variables(backend: Backend, params: Mapping[str, Any]) -> None:
    """The SampleSet covers exactly the model's variables, with finite energies."""
    _require_available(backend)
    for kind in _solvable_kinds(backend):
        model = _model(kind)
        sampleset = backend.solve(model, **params)
        assert isinstance(sampleset, dimod.SampleSet), type(sampleset)
        expected, got = set(model_variables(model)), set(sampleset.variables)
        assert got == expected, (
            f"{kind}: variables missing from the SampleSet: {sorted(map(str, expected - got))}; "
            f"not in the model: {sorted(map(str, got - expected))}"
        )
        assert len(sampleset) >= 1, f"no sample returned for a feasible {kind}"
        assert np.all(np.isfinite(sampleset.record.energy))


def check_timing_and_params_recorded(backend: Backend, params: Mapping[str, Any]) -> None:
    """``info["timing"]`` holds non-negative integer ``*_ns`` fields including ``wall_ns``, and
    ``info["params"]`` the parameters actually used, including the ones given."""
    _require_available(backend)
    model = _model(_solvable_kinds(backend)[0])
    sampleset = backend.solve(model, **params)
    timing = sampleset.info.get("timing")
    assert isinstance(timing, dict) and "wall_ns" in timing, sampleset.info
    for key, value in timing.items():
        assert key.endswith("_ns"), key
        assert isinstance(value, int) and value >= 0, (key, value)
    assert backend.tts_basis in timing, f"tts_basis {backend.tts_basis} missing from timing"
    used = sampleset.info.get("params")
    assert set(used) == set(backend.parameters)
    for key, value in params.items():
        assert used[key] == value, (key, used[key], value)


def check_solver_info_declared(backend: Backend, params: Mapping[str, Any]) -> None:
    """Every ``info`` key is declared in ``qseg.backends.SolverInfo`` with a value of its declared
    type (backend-specific facts go under ``info["extra"]``), on every model kind the backend
    accepts. Motivated by numpy integers and vendor keys leaking into ``info`` unannounced,
    which the harness then read (or stored) as if they were part of the contract."""
    _require_available(backend)
    for kind in _solvable_kinds(backend):
        sampleset = backend.solve(_model(kind), **params)
        problems = solver_info_problems(sampleset.info)
        assert not problems, f"{backend.name} on a {kind}: " + "; ".join(problems)


def check_num_reads_honoured(backend: Backend, params: Mapping[str, Any]) -> None:
    """A declared ``num_reads`` gives exactly that many reads (counted with occurrences)."""
    _require_available(backend)
    if "num_reads" not in backend.parameters:
        raise SkipCheck("no num_reads parameter")
    model = _model(_solvable_kinds(backend)[0])
    for reads in (1, 7):
        sampleset = backend.solve(model, **{**params, "num_reads": reads})
        assert int(sampleset.record.num_occurrences.sum()) == reads, (reads, len(sampleset))


def check_seed_reproducible(backend: Backend, params: Mapping[str, Any]) -> None:
    """The same seed gives the same samples; a seeded backend must be reproducible."""
    _require_available(backend)
    if not backend.seeded:
        raise SkipCheck("backend is not seeded")
    model = _model(_solvable_kinds(backend)[0], num_variables=10)
    first = backend.solve(model, **{**params, "seed": 1234})
    again = backend.solve(model, **{**params, "seed": 1234})
    columns = list(model.variables)
    # dimod's SamplesLike type omits SampleSet, which as_samples accepts.
    assert np.array_equal(
        dimod.as_samples(first)[0][:, [first.variables.index(v) for v in columns]],  # type: ignore[arg-type]
        dimod.as_samples(again)[0][:, [again.variables.index(v) for v in columns]],  # type: ignore[arg-type]
    ), "same seed, different samples"


def check_exact_reaches_optimum(backend: Backend, params: Mapping[str, Any]) -> None:
    """An exact backend's best sample reaches the brute-force optimum on small random models."""
    _require_available(backend)
    if not backend.exact:
        raise SkipCheck("backend is not exact")
    for kind in _solvable_kinds(backend):
        for seed in range(3):
            model = _model(kind, num_variables=8, seed=seed)
            sampleset = backend.solve(model, **params)
            if kind == "cqm":
                sampleset = sampleset.filter(lambda row: row.is_feasible)
                assert len(sampleset), "exact backend returned no feasible sample"
            best = float(sampleset.first.energy)
            optimum = brute_force_minimum(model)
            assert abs(best - optimum) <= 1e-6 * max(1.0, abs(optimum)), (kind, seed, best, optimum)


def check_limits_refuse_before_solving(backend: Backend, params: Mapping[str, Any]) -> None:
    """A model over ``max_variables`` raises ModelTooLargeError before any solving."""
    _require_available(backend)
    limit = params.get("max_variables", backend.max_variables)
    if limit is None or limit > 100_000 or "bqm" not in backend.accepts:
        raise SkipCheck("no small variable limit to test")
    model = dimod.BinaryQuadraticModel({i: 1.0 for i in range(limit + 1)}, {}, 0.0, "BINARY")
    try:
        backend.solve(model, **params)
    except ModelTooLargeError as exc:
        assert str(limit) in str(exc)
    else:
        raise AssertionError(f"{limit + 1} variables accepted with max_variables={limit}")


def check_dimod_sampler_api(backend: Backend, params: Mapping[str, Any]) -> None:
    """A BQM-accepting backend is a ``dimod.Sampler`` that passes ``assert_sampler_api``,
    and Ocean composites can wrap it."""
    if "bqm" not in backend.accepts:
        raise SkipCheck("backend does not accept BQMs")
    _require_available(backend)
    sampler = backend.sampler(**params)
    dimod.testing.assert_sampler_api(sampler)
    tracked = TrackingComposite(sampler)
    model = _model("bqm")
    sampleset = tracked.sample(model)
    assert tracked.input["bqm"] is model and tracked.output is sampleset


CHECKS: tuple[Check, ...] = (
    check_declares_contract,
    check_unavailable_says_why,
    check_rejects_bad_parameters,
    check_rejects_wrong_model_kind,
    check_returns_model_variables,
    check_timing_and_params_recorded,
    check_solver_info_declared,
    check_num_reads_honoured,
    check_seed_reproducible,
    check_exact_reaches_optimum,
    check_limits_refuse_before_solving,
    check_dimod_sampler_api,
)


def _as_backend(backend: Backend | str) -> Backend:
    return load_backend(backend) if isinstance(backend, str) else backend


def check_backend(backend: Backend | str, params: Mapping[str, Any] | None = None) -> list[str]:
    """Run every conformance check on ``backend``; return the names of the checks skipped.

    Raises AssertionError (or the backend's own error) on the first violation.
    """
    resolved = _as_backend(backend)
    skipped = []
    for check in CHECKS:
        try:
            check(resolved, dict(params or {}))
        except SkipCheck:
            skipped.append(check.__name__)
    return skipped


def parametrize_with_checks(
    backends: Iterable[Backend | str], params: Mapping[str, Any] | None = None
) -> Any:
    """Return a pytest ``parametrize`` mark over (backend, check) pairs, one test per check.

    The decorated test receives a loaded Backend and a one-argument callable: ``check(backend)``.
    """
    import pytest

    cases, ids = [], []
    for item in backends:
        backend = _as_backend(item)
        for check in CHECKS:
            cases.append((backend, functools.partial(_run_check, check, dict(params or {}))))
            ids.append(f"{backend.name}-{check.__name__.removeprefix('check_')}")
    return pytest.mark.parametrize("backend, check", cases, ids=ids)


def _run_check(check: Check, params: dict[str, Any], backend: Backend) -> None:
    import pytest

    try:
        check(backend, params)
    except SkipCheck as exc:
        pytest.skip(str(exc))


def dimod_sampler_testcase(backend: Backend | str, **params: Any) -> type[unittest.TestCase]:
    """Return a unittest TestCase class carrying dimod's ``load_sampler_bqm_tests`` battery
    against the backend's sampler (a peer's test suite, not only ours)."""
    resolved = _as_backend(backend)

    @dimod.testing.load_sampler_bqm_tests(lambda: resolved.sampler(**params))
    class DimodSamplerBattery(unittest.TestCase):
        def setUp(self) -> None:
            reason = resolved.unavailable_reason()
            if reason:
                self.skipTest(reason)

    DimodSamplerBattery.__name__ = f"DimodSamplerBattery_{resolved.name.replace('-', '_')}"
    return DimodSamplerBattery

"""The entry-point registry: unknown names, broken plugins, third-party backends."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import dimod
import pytest

import qseg
from qseg.backends import Backend, Parameter, registry
from qseg.errors import BackendUnavailableError, UnknownNameError
from qseg.testing import check_backend

FIRST_PARTY = {"sa", "neal", "tabu", "random", "exact-bqm", "cbc", "highs"}


class ToyBackend(Backend):
    """A third-party backend, registered the way first-party ones are: all zeros."""

    name = "toy"
    accepts = frozenset({"bqm"})
    parameters = {"num_reads": Parameter(int, 3, "reads", 1)}

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        labels = list(model.variables)
        states = [[0 if model.vartype is dimod.BINARY else -1] * len(labels)] * params["num_reads"]
        return dimod.SampleSet.from_samples_bqm((states, labels), model)


class NeedsTokenBackend(ToyBackend):
    """An available-looking plugin whose credentials are missing."""

    name = "needs-token"

    def unavailable_reason(self) -> str:
        return "no API token found (set TOY_TOKEN)"


@pytest.fixture
def extra_plugins(monkeypatch: pytest.MonkeyPatch):
    """Register test plugins next to the installed ones, through real EntryPoint objects."""
    installed = registry._entry_points()
    extra = {
        "toy": EntryPoint("toy", f"{__name__}:ToyBackend", registry.ENTRY_POINT_GROUP),
        "needs-token": EntryPoint("needs-token", f"{__name__}:NeedsTokenBackend", registry.ENTRY_POINT_GROUP),
        "broken": EntryPoint("broken", "qseg_no_such_module.backend:Thing", registry.ENTRY_POINT_GROUP),
    }
    monkeypatch.setattr(registry, "_entry_points", lambda: {**installed, **extra})
    registry._load_class.cache_clear()
    yield
    registry._load_class.cache_clear()


def test_first_party_backends_are_installed_and_available():
    listing = {name: (available, reason) for name, available, reason in qseg.list_backends()}
    assert FIRST_PARTY <= set(listing)
    for name in FIRST_PARTY:
        assert listing[name] == (True, ""), name


def test_neal_is_an_alias_of_sa():
    neal = qseg.backend("neal")
    assert neal.name == "neal" and neal.canonical_name == "sa"


def test_unknown_backend_lists_installed_ones():
    with pytest.raises(UnknownNameError) as caught:
        qseg.backend("quantum-magic")
    assert FIRST_PARTY <= set(caught.value.known)


def test_a_broken_plugin_is_a_warning_and_unavailable_with_the_import_error(extra_plugins):
    with pytest.warns(RuntimeWarning, match="broken"):
        backend = qseg.backend("broken")
    assert "qseg_no_such_module" in backend.unavailable_reason()
    listing = {name: (available, reason) for name, available, reason in qseg.list_backends()}
    assert listing["broken"][0] is False and "ModuleNotFoundError" in listing["broken"][1]
    assert listing["sa"] == (True, "")


def test_a_broken_plugin_cannot_solve_and_says_why(extra_plugins):
    with pytest.warns(RuntimeWarning):
        backend = qseg.backend("broken")
    with pytest.raises(BackendUnavailableError, match="qseg_no_such_module"):
        backend.solve(dimod.BinaryQuadraticModel({"a": 1.0}, {}, 0.0, "BINARY"))


def test_a_third_party_backend_passes_the_conformance_suite(extra_plugins):
    skipped = check_backend("toy")
    assert "check_returns_model_variables" not in skipped


def test_a_backend_without_credentials_gives_a_skipped_record(extra_plugins):
    problem = qseg.problem("knapsack", size=10, seed=1)
    record = qseg.solve(problem, "needs-token")
    assert record.status == "skipped" and "TOY_TOKEN" in record.message
    assert check_backend("needs-token").count("check_unavailable_says_why") == 0


def test_the_conformance_suite_catches_a_backend_that_drops_variables(extra_plugins):
    class Lossy(ToyBackend):
        name = "lossy"

        def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
            labels = list(model.variables)[:-1]
            return dimod.SampleSet.from_samples(([[0] * len(labels)], labels), model.vartype, energy=[0.0])

    with pytest.raises(AssertionError):
        check_backend(Lossy())


def test_the_conformance_suite_catches_an_unseeded_seeded_backend():
    class Unreproducible(ToyBackend):
        name = "unreproducible"
        seeded = True
        parameters = {"num_reads": Parameter(int, 3, "reads", 1), "seed": Parameter(int, None, "seed")}
        calls = 0

        def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
            Unreproducible.calls += 1
            labels = list(model.variables)
            states = [[Unreproducible.calls % 2] * len(labels)] * params["num_reads"]
            return dimod.SampleSet.from_samples_bqm((states, labels), model)

    with pytest.raises(AssertionError, match="same seed"):
        check_backend(Unreproducible())

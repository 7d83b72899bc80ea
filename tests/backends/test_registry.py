"""The entry-point registry: unknown names, broken plugins, third-party backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dimod
import pytest

import qseg
from qseg.backends import Backend, BackendInfo, Parameter, registry
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


def write_dist_info(site: Path, dist: str, version: str, entry_points: dict[str, str]) -> None:
    """Write a minimal installed distribution (``METADATA`` and ``entry_points.txt``) under
    ``site``, the way pip leaves a plugin in site-packages."""
    folder = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (folder / "entry_points.txt").write_text(f"[{registry.ENTRY_POINT_GROUP}]\n{lines}")


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function that puts a distribution on ``sys.path`` (a dist-info in its own site
    directory, prepended, so the last one added comes first) and re-reads the entry points."""

    def install(dist: str, version: str, entry_points: dict[str, str]) -> Path:
        site = tmp_path / f"site-{dist}-{version}"
        write_dist_info(site, dist, version, entry_points)
        monkeypatch.syspath_prepend(str(site))
        registry.refresh()
        return site

    yield install
    monkeypatch.undo()
    registry.refresh()


@pytest.fixture
def extra_plugins(plugin_site):
    """Register test plugins next to the installed ones, through a real installed distribution."""
    plugin_site("qseg-test-plugins", "0.0", {
        "toy": f"{__name__}:ToyBackend",
        "needs-token": f"{__name__}:NeedsTokenBackend",
        "broken": "qseg_no_such_module.backend:Thing",
    })


def test_the_api_listing_is_the_registry_listing():
    listing = qseg.list_backends()
    assert all(isinstance(info, BackendInfo) for info in listing)
    assert [info.to_dict() for info in listing] == [info.to_dict() for info in registry.list_backends()]


def test_first_party_backends_are_installed_and_available():
    listing = {info.name: (info.available, info.reason) for info in qseg.list_backends()}
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
    listing = {info.name: (info.available, info.reason) for info in qseg.list_backends()}
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

    with pytest.raises(AssertionError, match="missing from the SampleSet"):
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


def test_plugins_are_listed_with_their_distribution(extra_plugins):
    info = registry.backend_info("toy")
    assert (info.package, info.version, info.available) == ("qseg-test-plugins", "0.0", True)


def test_a_duplicate_name_warns_naming_both_and_keeps_the_first_on_sys_path(plugin_site):
    plugin_site("qseg-dup-later", "1.0", {"dup-toy": f"{__name__}:NeedsTokenBackend"})
    plugin_site("qseg-dup-first", "2.0", {"dup-toy": f"{__name__}:ToyBackend"})  # prepended: first
    with pytest.warns(RuntimeWarning, match="dup-toy") as caught:
        names = registry.backend_names()
    assert names.count("dup-toy") == 1
    message = str(caught[0].message)
    assert f"{__name__}:ToyBackend" in message and f"{__name__}:NeedsTokenBackend" in message
    assert message.index("ToyBackend") < message.index("ignoring")
    assert type(qseg.backend("dup-toy")) is ToyBackend
    assert registry.backend_info("dup-toy").package == "qseg-dup-first"


def test_a_duplicate_name_in_one_directory_is_resolved_by_distribution_name(tmp_path, monkeypatch):
    site = tmp_path / "site"
    # Written in the opposite order to make the listing order unlikely to decide it.
    write_dist_info(site, "qseg-dup-b", "1.0", {"dup-toy": f"{__name__}:NeedsTokenBackend"})
    write_dist_info(site, "qseg-dup-a", "1.0", {"dup-toy": f"{__name__}:ToyBackend"})
    monkeypatch.syspath_prepend(str(site))
    registry.refresh()
    try:
        with pytest.warns(RuntimeWarning, match="registered more than once"):
            backend = qseg.backend("dup-toy")
        assert type(backend) is ToyBackend
    finally:
        monkeypatch.undo()
        registry.refresh()


def test_refresh_forgets_a_removed_plugin(plugin_site, monkeypatch):
    plugin_site("qseg-test-plugins", "0.0", {"toy": f"{__name__}:ToyBackend"})
    assert "toy" in registry.backend_names()
    monkeypatch.undo()
    assert "toy" in registry.backend_names()  # cached until refreshed
    registry.refresh()
    assert "toy" not in registry.backend_names()

"""Shared fixtures and the ``process`` marker.

Fixtures: an isolated cache per test session, the packaged instances folder, ``wait_until`` (poll
a condition, never sleep for a set time) and ``smoke_store`` (``benchmarks/suites/smoke.toml``
run once per session; report tests read it).

Tests that start qseg or Python processes (``qseg bench`` and its workers, ``subprocess``, Dask
clusters, the report's figure pool) are marked ``process`` here at collection, from their
source, their fixtures' and their module helpers' source, so the marker needs no line in the
test files: ``pytest -m "not process"`` runs the in-process tests.
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qseg.data.instances import PACKAGED_INSTANCES

SMOKE_SUITE = Path(__file__).resolve().parents[1] / "benchmarks" / "suites" / "smoke.toml"

# Calls that start qseg or Python processes: the harness (its workers are processes), subprocess,
# a Dask cluster, the figure pool of `qseg report` and write_plots(workers=N). A solver's own
# binary (PuLP's CBC), git and platform probes are not counted: they are part of in-process tests.
STARTS_A_PROCESS = re.compile(
    r"\brun_bench\(|\bbench\(|subprocess\.|\bPopen\(|LocalCluster\(|--executor|\"dask\"|"
    r"main\(\[\s*\"(bench|report)\"|run\(capsys,\s*\"(bench|report)\"|\"demo\"|install_\w*plugins?\(|"
    r"\bworkers=[2-9]|multiprocessing|ProcessPool"
)


def _starts_a_process(item: pytest.Function) -> bool:
    """Return True when the test's own source, that of a fixture it requests (through the
    fixtures it requests in turn), or that of a function of its module they call starts a process."""
    pending: list[Callable[..., object]] = [item.function]
    fixture_info = getattr(item, "_fixtureinfo", None)
    if fixture_info is not None:
        for definitions in fixture_info.name2fixturedefs.values():
            pending.extend(definition.func for definition in definitions)
    module_globals = vars(item.module) if item.module is not None else {}
    seen: set[int] = set()
    while pending:
        function = inspect.unwrap(pending.pop())
        if id(function) in seen:
            continue
        seen.add(id(function))
        try:
            text = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        if STARTS_A_PROCESS.search(text):
            return True
        code = getattr(function, "__code__", None)
        for name in code.co_names if code is not None else ():
            helper = module_globals.get(name)
            if inspect.isfunction(helper) and helper.__module__ == item.module.__name__:
                pending.append(helper)
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``process`` every test that starts a process (see STARTS_A_PROCESS)."""
    for item in items:
        if isinstance(item, pytest.Function) and _starts_a_process(item):
            item.add_marker(pytest.mark.process)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep reference caches out of the user's home."""
    path = tmp_path_factory.getbasetemp() / "qseg-cache"
    monkeypatch.setenv("QSEG_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def instances_dir() -> Path:
    """Return the standard instances shipped with the package (qseg/data/instance_files)."""
    return PACKAGED_INSTANCES


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """Return ``wait_until(condition, what, within_s=60)``: poll ``condition`` until it holds, and
    fail naming ``what`` if it has not within ``within_s`` (a hang guard, not a speed check)."""

    def wait(condition: Callable[[], object], what: str, within_s: float = 60.0) -> None:
        deadline = time.monotonic() + within_s
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"still waiting after {within_s:g} s for: {what}")
            time.sleep(0.05)

    return wait


@pytest.fixture(scope="session")
def smoke_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a store of the smoke suite (benchmarks/suites/smoke.toml, every cell ``ok``), run
    once per session (per xdist worker) and shared by the tests that only read it."""
    from qseg.harness.bench import run_bench

    out = tmp_path_factory.mktemp("smoke") / "store"
    result = run_bench(SMOKE_SUITE, out, workers=2)
    assert result.progress is not None and result.progress.statuses == {"ok": result.total}
    return out

"""Shared fixtures: an isolated cache per test session, the shared instances folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from qseg.data.instances import instance_roots


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep reference caches out of the user's home."""
    path = tmp_path_factory.getbasetemp() / "qseg-cache"
    monkeypatch.setenv("QSEG_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def instances_dir() -> Path:
    """Return ../shared/instances, or skip with the reason when it is absent."""
    roots = instance_roots()
    if not roots:
        pytest.skip("../shared/instances is absent (set QSEG_INSTANCES_DIR to run instance tests)")
    return roots[0]

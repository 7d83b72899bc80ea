"""Shared fixtures: an isolated cache per test session, the packaged instances folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from qseg.data.instances import PACKAGED_INSTANCES


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

"""The project's own promises: `make test` runs lint and types before the tests, and the typed
package says so (py.typed is shipped)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _target(makefile: str, name: str) -> tuple[list[str], list[str]]:
    """Return (prerequisites, recipe lines) of a Makefile target."""
    match = re.search(rf"^{name}:(.*)\n((?:\t.*\n)*)", makefile, re.MULTILINE)
    assert match, f"no {name} target"
    return match.group(1).split(), [line.strip() for line in match.group(2).splitlines()]


def test_make_test_runs_ruff_and_mypy_before_pytest():
    makefile = (ROOT / "Makefile").read_text()
    prerequisites, recipe = _target(makefile, "test")
    assert "lint" in prerequisites and any("pytest" in line for line in recipe)
    _, lint = _target(makefile, "lint")
    assert any(line.endswith("ruff check .") for line in lint) and any(line.endswith("mypy") for line in lint)
    assert any(line.endswith("lint-imports") for line in lint), "the import contracts are not checked"


def test_the_import_contracts_cover_every_top_level_room():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")
    named = {part.strip() for layer in layers["layers"] for part in layer.replace(":", "|").split("|")}
    rooms = {p.stem for p in (ROOT / "qseg").iterdir()
             if (p.suffix == ".py" or (p / "__init__.py").is_file()) and not p.name.startswith("__")}
    assert rooms - named == set(), f"rooms outside every layer: {sorted(rooms - named)}"
    assert any(c["type"] == "acyclic_siblings" for c in config["contracts"])


def test_mypy_holds_the_whole_package_and_the_plugins_to_strict():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config.get("strict") is True
    assert not [o for o in config.get("overrides", []) if o.get("strict") is False]
    assert {"qseg", "backends/dwave/qseg_dwave", "backends/mip/qseg_mip", "backends/qiskit/qseg_qiskit"} <= set(config["files"])


def test_the_package_is_marked_typed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert (ROOT / "qseg" / "py.typed").is_file()
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["qseg"]

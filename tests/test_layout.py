"""Dependencies among ``qseg.problems`` and ``qseg.data`` run one way (issue 11): no module imports,
directly or through others, a module that imports it back. Every import counts: module-level,
inside a function and under ``TYPE_CHECKING`` (a type-only back-import is how the old
``knapsack`` <-> ``knapsack_qubo`` pair hid its cycle)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import qseg

ROOT = Path(qseg.__file__).resolve().parent.parent
PACKAGES = ("qseg/problems", "qseg/data")


def module_name(path: Path) -> str:
    """Return the dotted name of a source file under ``ROOT`` (a package is its ``__init__``)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    """Return every module of the ``qseg`` package by dotted name."""
    return {module_name(path): path for path in (ROOT / "qseg").rglob("*.py")}


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """Return the qseg modules ``path`` (module ``name``) imports anywhere in its body.

    ``from X import Y`` names module ``X.Y`` when that is a module, else ``X``; relative imports
    are resolved against the module's package. Parent packages run on import too, but every
    submodule import runs them, so counting them would make each package a cycle with its
    ``__init__``; only the module named is an edge.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Return, for every qseg module, the qseg modules it imports (a cycle through problems or
    data may pass through modules elsewhere, so the whole package is read)."""
    modules = all_modules()
    known = set(modules)
    return {name: imported(path, name, known) for name, path in modules.items()}


def ours(name: str) -> bool:
    """Return whether module ``name`` lies under ``PACKAGES``."""
    return any(name == pkg.replace("/", ".") or name.startswith(pkg.replace("/", ".") + ".") for pkg in PACKAGES)


def find_cycle(graph: dict[str, set[str]], start_in: Callable[[str], bool] = lambda name: True) -> list[str] | None:
    """Return one import cycle through a module for which ``start_in`` holds (its modules, the
    first repeated at the end), or None."""
    for start in sorted(filter(start_in, graph)):
        # Depth-first search for a path from ``start`` back to itself.
        stack, seen = [(start, [start])], {start}
        while stack:
            node, path = stack.pop()
            for successor in sorted(graph.get(node, ()), reverse=True):
                if successor == start:
                    return path + [start]
                if successor not in seen:
                    seen.add(successor)
                    stack.append((successor, path + [successor]))
    return None


def test_problems_and_data_have_no_import_cycle():
    cycle = find_cycle(import_graph(), ours)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_data_does_not_import_problems():
    # DESIGN §1: problems -> data, never the other way.
    graph = import_graph()
    back = {name: sorted(t for t in targets if t.startswith("qseg.problems"))
            for name, targets in graph.items() if name == "qseg.data" or name.startswith("qseg.data.")}
    assert not any(back.values()), back


def test_the_cycle_finder_sees_function_level_and_type_checking_imports(tmp_path):
    # The pattern the layout replaced: a builder importing its problem for type hints and the
    # problem importing the builder inside a method.
    qubo = tmp_path / "qubo.py"
    qubo.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.problem import P\n")
    problem = tmp_path / "problem.py"
    problem.write_text("def build():\n    from pkg import qubo\n")
    known = {"pkg", "pkg.qubo", "pkg.problem"}
    graph = {"pkg.qubo": imported(qubo, "pkg.qubo", known), "pkg.problem": imported(problem, "pkg.problem", known)}
    assert find_cycle(graph) == ["pkg.problem", "pkg.qubo", "pkg.problem"]

"""The backend registry: every backend, first-party or not, comes from the entry-point group
``qseg.backends``. A plugin that fails to import is a warning and an unavailable backend whose
reason is the import error, never a crash; an unknown name lists what is installed.

Two distributions registering the same backend name is a ``RuntimeWarning`` naming both, and
the first-installed one is kept: the one whose location comes first on ``sys.path`` (the one
Python's own imports would prefer), ties within one directory broken by distribution name, so
the choice never depends on the file system's listing order.

Entry points are read once per process and cached, as are the loaded classes; ``refresh()``
drops both caches, for a process that installs plugins (or changes ``sys.path``) after its first
look-up.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import dimod

from qseg.backends.base import Backend
from qseg.errors import UnknownNameError

ENTRY_POINT_GROUP = "qseg.backends"


@dataclass(frozen=True)
class BackendInfo:
    """What ``qseg backends --json`` prints for one backend."""

    name: str
    accepts: list[str]
    available: bool
    reason: str
    exact: bool
    package: str | None
    version: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict."""
        return dict(self.__dict__)


class BrokenBackend(Backend):
    """Stands in for a plugin whose module failed to import: unavailable, with the error."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name)
        self._reason = reason

    def unavailable_reason(self) -> str:
        """Return the import error that made this plugin unusable."""
        return self._reason

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        raise AssertionError("check() refuses an unavailable backend before _solve")


def refresh() -> None:
    """Forget the cached entry points and loaded backend classes, so that the next look-up
    re-reads the installed distributions (after a plugin is installed or ``sys.path`` changed
    within a running process)."""
    importlib.invalidate_caches()
    _entry_points.cache_clear()
    _load_class.cache_clear()


def _provider(ep: EntryPoint) -> str:
    dist = ep.dist
    return f"{ep.value} (from {dist.name} {dist.version})" if dist else ep.value


def _precedence(order: int, ep: EntryPoint) -> tuple[int, str, int]:
    """Return the sort key that makes the first-installed provider of a name come first."""
    dist = ep.dist
    if dist is None:
        return (len(sys.path), "", order)
    location = str(dist.locate_file(""))
    paths = [str(entry) for entry in sys.path]
    rank = paths.index(location) if location in paths else len(sys.path)
    return (rank, dist.name.lower(), order)


@cache
def _entry_points() -> dict[str, EntryPoint]:
    """Return the registered backends by name; a duplicate name is a warning, the first-installed
    provider is kept (see the module docstring)."""
    providers: dict[str, list[tuple[tuple[int, str, int], EntryPoint]]] = {}
    for order, ep in enumerate(entry_points(group=ENTRY_POINT_GROUP)):
        providers.setdefault(ep.name, []).append((_precedence(order, ep), ep))
    chosen = {}
    for name, candidates in providers.items():
        candidates.sort(key=lambda pair: pair[0])
        chosen[name] = candidates[0][1]
        if len(candidates) > 1:
            others = ", ".join(_provider(ep) for _, ep in candidates[1:])
            warnings.warn(
                f"qseg backend {name!r} is registered more than once: using {_provider(chosen[name])}, "
                f"ignoring {others}",
                RuntimeWarning,
                stacklevel=2,
            )
    return chosen


@cache
def _load_class(name: str) -> type[Backend] | str:
    """Return the backend class registered as ``name``, or the import error as text."""
    ep = _entry_points()[name]
    try:
        cls = ep.load()
    except Exception as exc:  # noqa: BLE001 - any plugin failure must become a reason, not a crash
        reason = f"plugin {ep.value} failed to import: {type(exc).__name__}: {exc}"
        warnings.warn(f"qseg backend {name!r}: {reason}", RuntimeWarning, stacklevel=3)
        return reason
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        return f"plugin {ep.value} is not a qseg.backends.Backend subclass"
    return cls


def backend_names() -> list[str]:
    """Return the names of every registered backend, sorted."""
    return sorted(_entry_points())


def load_backend(name: str) -> Backend:
    """Return a fresh instance of the backend registered as ``name``.

    Raises UnknownNameError listing the installed backends when ``name`` is not registered.
    """
    if name not in _entry_points():
        raise UnknownNameError("backend", name, backend_names())
    loaded = _load_class(name)
    if isinstance(loaded, str):
        return BrokenBackend(name, loaded)
    return loaded(name)


def backend_info(name: str) -> BackendInfo:
    """Return the listing entry for one registered backend."""
    ep = _entry_points()[name]
    backend = load_backend(name)
    reason = backend.unavailable_reason()
    dist = ep.dist
    return BackendInfo(
        name=name,
        accepts=sorted(backend.accepts),
        available=not reason,
        reason=reason,
        exact=backend.exact,
        package=dist.name if dist else None,
        version=dist.version if dist else None,
    )


def list_backends() -> list[BackendInfo]:
    """Return the listing entry of every registered backend, sorted by name."""
    return [backend_info(name) for name in backend_names()]

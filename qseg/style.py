"""How each backend and formulation looks in every figure of a report: one fixed colour and
marker per backend, one line style, hatch and marker fill per formulation.

Known backends have a fixed entry, chosen so that the backends a problem's figures show together
are far apart (Okabe & Ito's and Paul Tol's colour-blind-safe palettes, plus greys), and no two
known backends share a colour. Any other name gets a colour and marker from a hash of the name
(sha256, so every process and run agrees), never from the order it was met in.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

Draw = TypeVar("Draw", bound=Callable[..., Any])

POLISH_SUFFIX = "+polish"
# No figure of qseg writes mathematics, and its text holds users' names (store folders, backends,
# data files, actions): a ``$x$`` among them must show as typed, never reach mathtext (whose
# ParseFatalException would crash the figure). Every figure writer draws under these settings.
LITERAL_TEXT = {"text.parse_math": False}


@dataclass(frozen=True)
class BackendStyle:
    """A backend's colour (``#rrggbb``) and matplotlib marker (filled, so fill styles apply)."""

    colour: str
    marker: str


@dataclass(frozen=True)
class FormulationStyle:
    """A formulation's line style (lines), hatch (bars, boxes) and marker fill (scatter)."""

    linestyle: str | tuple[int, tuple[int, ...]]
    hatch: str
    fillstyle: str


BACKEND_STYLES: dict[str, BackendStyle] = {
    "sa": BackendStyle("#0072B2", "o"),
    "sa+polish": BackendStyle("#56B4E9", "h"),
    "tabu": BackendStyle("#009E73", "s"),
    "random": BackendStyle("#777777", "X"),
    "exact-bqm": BackendStyle("#000000", "D"),
    "mock-qpu": BackendStyle("#CC79A7", "^"),
    "qaoa": BackendStyle("#D55E00", "v"),
    "qpu": BackendStyle("#AA4499", "*"),
    "leap-hybrid": BackendStyle("#88CCEE", "<"),
    "leap-cqm": BackendStyle("#E7C200", ">"),
    "leap-nl": BackendStyle("#6699CC", "p"),
    "cbc": BackendStyle("#E69F00", "P"),
    "highs": BackendStyle("#332288", "d"),
    "baseline:greedy": BackendStyle("#CC6677", "8"),
    "baseline:dp": BackendStyle("#999933", "H"),
    "baseline:fasterpam": BackendStyle("#882255", "p"),
    "baseline:kmeans": BackendStyle("#44AA99", "<"),
    "baseline:uniform": BackendStyle("#C8B560", ">"),
    "baseline:percentile": BackendStyle("#117733", "^"),
    "baseline:de": BackendStyle("#663333", "v"),
}
ALIASES = {"neal": "sa", "neal+polish": "sa+polish"}
# Fallbacks for names outside the table: Tol's "muted" scheme, and filled markers only.
FALLBACK_COLOURS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933",
                    "#AA4499", "#6699CC")
FALLBACK_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "<", ">", "p", "h", "8")

FORMULATION_STYLES: dict[str, FormulationStyle] = {
    # The default formulation of each problem, and the one-model ones (cqm, nl, native), are solid.
    "unbalanced": FormulationStyle("-", "", "full"),
    "selection": FormulationStyle("-", "", "full"),
    "domain_wall": FormulationStyle("-", "", "full"),
    "cqm": FormulationStyle("-", "", "full"),
    "nl": FormulationStyle("-", "", "full"),
    "native": FormulationStyle("-", "", "full"),
    "slack": FormulationStyle("--", "//", "none"),
    "bauckhage": FormulationStyle("--", "//", "none"),
    "equality": FormulationStyle(":", "..", "left"),
    "assignment": FormulationStyle(":", "..", "left"),
}
FALLBACK_FORMULATIONS = (
    FormulationStyle("-.", "xx", "bottom"),
    FormulationStyle((0, (5, 1)), "\\\\", "top"),
    FormulationStyle((0, (1, 3)), "++", "right"),
)


def _index(name: str, size: int) -> int:
    """Return a stable index in [0, size) for ``name`` (sha256, not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % size


def backend_style(solver: str) -> BackendStyle:
    """Return the style of a solver as the store names it (``sa``, ``sa+polish``,
    ``baseline:greedy``, a plugin's name): the fixed entry when known, else one hashed from the
    name. An unknown polished backend keeps its base backend's marker."""
    name = ALIASES.get(solver, solver)
    if name in BACKEND_STYLES:
        return BACKEND_STYLES[name]
    base = name.removesuffix(POLISH_SUFFIX)
    marker = BACKEND_STYLES[base].marker if base in BACKEND_STYLES else FALLBACK_MARKERS[_index(name, len(FALLBACK_MARKERS))]
    return BackendStyle(FALLBACK_COLOURS[_index(name, len(FALLBACK_COLOURS))], marker)


def formulation_style(formulation: str) -> FormulationStyle:
    """Return the style of a formulation: the fixed entry when known, else one hashed from it."""
    if formulation in FORMULATION_STYLES:
        return FORMULATION_STYLES[formulation]
    return FALLBACK_FORMULATIONS[_index(formulation, len(FALLBACK_FORMULATIONS))]


def shade(colour: str, step: int) -> str:
    """Return ``colour`` mixed towards white by ``step`` thirds of the way, capped at 60 %: how
    the grid values of one swept backend differ (0 is the colour itself)."""
    mix = min(0.6, step / 3)
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * mix):02X}" for c in channels)


def literal_text(draw: Draw) -> Draw:
    """Return the figure writer ``draw`` running under ``LITERAL_TEXT`` (matplotlib's mathtext
    off for every text it draws, titles, legends, tick labels and notes alike, so a ``$`` in a
    name shows as a dollar sign); matplotlib is imported only when ``draw`` runs."""
    @functools.wraps(draw)
    def drawing(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        settings: Any = LITERAL_TEXT  # matplotlib types its keys as one long Literal
        with matplotlib.rc_context(settings):
            return draw(*args, **kwargs)

    return cast(Draw, drawing)

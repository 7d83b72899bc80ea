"""How each backend, method, formulation, segment and action looks in every figure qseg draws
(the report's, the demo's, ``qseg segment``'s, the binning chart and the retention memo): one
fixed colour and marker per backend, one line style, hatch and marker fill per formulation, and
the same for the methods named outside a store (``kmeans``, ``sa/selection+polish``,
``qubo:sa/selection+polish+refine``), so a name has one colour wherever it is drawn.

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
    "baseline:gmm": BackendStyle("#EE3377", "o"),
    "baseline:hdbscan": BackendStyle("#BB5566", "s"),
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
# Methods named without the store's ``baseline:`` prefix (the demo's rows, ``qseg segment``'s
# methods): the baseline's own entry, so ``kmeans`` here is ``baseline:kmeans`` in a report.
METHOD_ALIASES = {
    "greedy": "baseline:greedy", "dp": "baseline:dp", "fasterpam": "baseline:fasterpam",
    "kmeans": "baseline:kmeans", "uniform": "baseline:uniform", "percentile": "baseline:percentile",
    "de": "baseline:de", "gmm": "baseline:gmm", "gaussian_mixture": "baseline:gmm",
    "hdbscan": "baseline:hdbscan",
}
QUBO_PREFIX = "qubo:"
REFINE_SUFFIX = "+refine"

# Segments (index 0, 1, ...): Tol's "bright" then four of his "vibrant"/"muted" colours; a
# segment-indexed figure colours segment i with SEGMENT_COLOURS[i % 10], a tint of it where
# segments are the background of method markers (``segment_colour(i, light=True)``).
SEGMENT_COLOURS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#EE7733", "#009988",
                   "#CC3311", "#997700")
# Treatment actions (action id 1, 2, ...): Tol's "vibrant" with his high-contrast yellow and a
# "muted" wine, ordered so the pair a small plan often holds (1 email, 5 in-app) is blue and
# yellow rather than two blues; "no action" (id 0), HDBSCAN's noise and anything left out are
# NEUTRAL_COLOUR.
ACTION_COLOURS = ("#0077BB", "#EE7733", "#009988", "#EE3377", "#DDAA33", "#33BBEE", "#882255")
NEUTRAL_COLOUR = "#BBBBBB"
# Roles, not names: the dashed budget/optimum/current-value lines, a waterfall's gains, losses
# and total, and the binning chart's counts (non-events and events, as optbinning stacks them)
# and its event-rate line.
REFERENCE_COLOUR = "#444444"
GAIN_COLOUR = "#228833"
LOSS_COLOUR = "#CC3311"
TOTAL_COLOUR = "#4477AA"
NON_EVENT_COLOUR = "#88AACC"
EVENT_COLOUR = "#EE6677"
RATE_COLOUR = "#000000"

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


@dataclass(frozen=True)
class MethodStyle:
    """How a method is drawn: its backend's colour and marker, its formulation's line style,
    hatch and marker fill (all solid/plain for a method without a formulation)."""

    colour: str
    marker: str
    linestyle: str | tuple[int, tuple[int, ...]]
    hatch: str
    fillstyle: str


def method_style(method: str) -> MethodStyle:
    """Return the style of a method by any of the names qseg gives it: a backend or store
    solver (``sa``, ``baseline:greedy``), a bare baseline (``kmeans``, ``dp``, ``gmm``), or a
    QUBO route ``[qubo:]BACKEND/FORMULATION[+polish][+refine]`` (the demo's ``sa/slack``,
    ``qseg segment``'s ``qubo:sa/selection+polish+refine``): the backend's colour and marker
    (``sa+polish``'s when polished; the refine step changes neither) with the formulation's line
    style, hatch and fill. The same name gives the same style in every figure."""
    route = method.removeprefix(QUBO_PREFIX)
    backend, slash, formulation = route.partition("/")
    if slash:
        refined = formulation.removesuffix(REFINE_SUFFIX)
        polished = refined.endswith(POLISH_SUFFIX)
        formulation = refined.removesuffix(POLISH_SUFFIX)
        drawn = backend_style(backend + (POLISH_SUFFIX if polished else ""))
        shape = formulation_style(formulation)
        return MethodStyle(drawn.colour, drawn.marker, shape.linestyle, shape.hatch, shape.fillstyle)
    drawn = backend_style(METHOD_ALIASES.get(route, route))
    return MethodStyle(drawn.colour, drawn.marker, "-", "", "full")


def method_colour(method: str) -> str:
    """Return the colour of ``method`` (``method_style``'s)."""
    return method_style(method).colour


def segment_colour(segment: int, *, light: bool = False) -> str:
    """Return segment ``segment``'s colour (``SEGMENT_COLOURS``, cycling past ten; noise, -1,
    is NEUTRAL_COLOUR), a 60 % tint of it when ``light`` (segments behind method markers)."""
    colour = NEUTRAL_COLOUR if segment < 0 else SEGMENT_COLOURS[segment % len(SEGMENT_COLOURS)]
    return shade(colour, 2) if light else colour


def action_colour(action_id: int) -> str:
    """Return a treatment action's colour by its id: NEUTRAL_COLOUR for 0 ("no action"), else
    ``ACTION_COLOURS`` in id order (cycling past seven)."""
    return NEUTRAL_COLOUR if action_id <= 0 else ACTION_COLOURS[(action_id - 1) % len(ACTION_COLOURS)]


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

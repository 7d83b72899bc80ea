"""Suite files (TOML): what to run, validated before anything runs, expanded into cells.

::

    name = "smoke"
    timeout_s = 60            # per cell; a cell past it is killed and recorded as "timeout"
    eps = 1e-6                # success = feasible and gap <= eps (success probability, TTS99)
    max_cells = 10000         # refuse a suite (a grid, say) that expands past this many cells
    repeats = 1               # solver repeats per instance (different derived solver seeds)
    reference = "cbc"         # exact backend for references ("none": gaps only from files)
    formulations = ["unbalanced"]          # QUBO formulations for BQM backends; or per problem:
                                           #   { knapsack = ["unbalanced"], kmedoids = ["selection"] }
    baselines = ["greedy"]                 # problem-native baselines, run like backends (a list,
                                           #   or a table per problem like formulations)

    [penalties.unbalanced]                 # penalty options per formulation
    kappa = 16

    [[instances]]
    problem = "knapsack"
    sizes = [20, 40]          # generated sizes (or the first N of a named dataset)
    seeds = [1, 2]
    data = "seed-000"         # optional: dataset, instance file, FILE#NAME, or a list of them
    params = { budget_fraction = 0.5 }   # a list value is a grid: one instance per value
    formulations = ["unbalanced"]          # optional: this instance's formulations and baselines
    baselines = ["greedy"]
    tag = "small"                          # optional: backends with `tags` run only on tagged instances

    [[backends]]
    name = "sa"
    params = { num_reads = 20, num_sweeps = [10, 100, 1000] }  # a list value is a grid: one
                                           #   cell per value, the cartesian product across keys
    formulations = ["unbalanced", "slack"] # optional override: a list, or a table per problem
                                           #   (then the backend runs only on the problems named)
    polish = true                          # optional: the problem's classical polish (k-medoids)
    penalty_tuning = true                  # optional: raise penalty weights while no read is feasible
    tags = ["small"]                       # optional: run only on instances with one of these tags
    problems = ["knapsack"]                # optional: run only on these problems

A formulation list is chosen per cell from the most specific place that names one for the
cell's problem: the backend table, then the instance, then the suite.

Each cell is a ``CellSpec`` whose key hashes what defines its result. ``timeout_s`` and ``eps`` are
run settings (``RunSettings``, kept in ``run.json``), not part of any key: a resumed store takes a
new timeout but refuses a new ``eps``. The suite's identity (``definition_sha256``) is the hash of
everything else, so editing a timeout does not make it another suite.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qseg.backends import Backend, load_backend
from qseg.environment import memory_refusal
from qseg.errors import BadInputError, QsegError, SuiteError, UnknownNameError
from qseg.files import json_depth, one_line, read_text_bounded, refused_number
from qseg.metrics import DEFAULT_EPS
from qseg.problems import Problem, build_problem, problem_names
from qseg.problems.base import positive_number
from qseg.solving.solve import derive_seed, resolve_backend_params, resolve_formulation
from qseg.store.spec import (
    BASELINE_FORMULATION,
    BASELINE_PREFIX,
    NO_REFERENCE,
    CellSpec,
    InstanceMeta,
    InstanceSpec,
    RunSettings,
    content_hash,
)

TOP_LEVEL_KEYS = {"name", "description", "timeout_s", "repeats", "reference", "eps", "max_cells", "formulations",
                  "baselines", "penalties", "instances", "backends"}
# Keys that say how to run a suite, not what it is: editing them keeps the suite's identity.
RUN_SETTING_KEYS = {"timeout_s", "eps", "max_cells", "description"}
INSTANCE_KEYS = {"problem", "sizes", "seeds", "data", "params", "formulations", "baselines", "tag"}
# A backend with ``tags`` runs only on instances whose ``tag`` it lists (e.g. QAOA on small ones).
# ``problems`` limits a backend table to some problems (e.g. fewer reads on a costly QUBO).
BACKEND_KEYS = {"name", "params", "formulations", "polish", "penalty_tuning", "tags", "problems"}
DEFAULT_TIMEOUT_S = 600.0
DEFAULT_MAX_CELLS = 10_000
# What one expanded cell holds in memory while a suite runs (its spec, parameters and record), a
# generous figure: a grid whose cells cannot all be held is refused before any is made.
CELL_BYTES = 16_384
SUITE_MAX_BYTES = 4 << 20  # suites are a few KB of TOML; instance data lives in files they name
SUITE_MAX_DEPTH = 32  # real suites nest 3 or 4 deep; tomllib recurses per level

Names = list[str] | dict[str, list[str]]


@dataclass
class Suite:
    """A validated suite: its source text, run settings, the cells it expands to and the
    problems those cells are built on (each built once, keyed by ``InstanceSpec.key``)."""

    path: Path
    name: str
    text: str
    definition_sha256: str
    settings: RunSettings
    reference_backend: str
    cells: list[CellSpec] = field(default_factory=list)
    problems: dict[str, Problem] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)

    @property
    def sha256(self) -> str:
        """Return the hash of the suite file's text."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def add(self, cell: CellSpec) -> None:
        """Add ``cell`` unless a cell with the same key is already there."""
        if cell.key not in self.keys:
            self.keys.add(cell.key)
            self.cells.append(cell)

    def problem(self, cell: CellSpec) -> Problem:
        """Return the problem ``cell`` runs on, as validation built it."""
        return self.problems[cell.instance.key]


@dataclass(frozen=True)
class BackendTable:
    """One validated ``[[backends]]`` table: the backend, its grid points and its filters."""

    where: str
    backend: Backend
    grid: list[tuple[dict[str, Any], dict[str, Any]]]  # (parameters, the swept values among them)
    resolved: list[dict[str, Any]]  # each grid point's parameters resolved (defaults, coerced), unseeded
    formulations: Names | None
    polish: bool
    tags: list[str] | None
    problems: list[str] | None
    penalty_tuning: bool = False

    def runs_on(self, problem: str, tag: str | None) -> bool:
        """Return whether this table applies to an instance of ``problem`` tagged ``tag``."""
        if self.tags is not None and tag not in self.tags:
            return False
        if self.problems is not None and problem not in self.problems:
            return False
        # A backend table keyed by problem runs only on the problems it names.
        return not (isinstance(self.formulations, dict) and problem not in self.formulations)


@dataclass(frozen=True)
class InstanceTable:
    """One validated ``[[instances]]`` table expanded into instance specs."""

    where: str
    specs: list[tuple[InstanceSpec, dict[str, Any]]]  # (instance, the swept values among its params)
    formulations: Names
    baselines: Names
    tag: str | None


def load_suite(path: Path | str) -> Suite:
    """Return the validated suite in ``path``; raise SuiteError naming file, key and value."""
    path = Path(path)
    text = read_text_bounded("suite", path, SUITE_MAX_BYTES)  # a device or a huge file: refused, not read whole
    depth = toml_depth(text)
    if depth > SUITE_MAX_DEPTH:
        raise BadInputError("suite", str(path), f"nested {depth} levels deep, more than the {SUITE_MAX_DEPTH} allowed")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError("suite", str(path), f"malformed TOML ({one_line(exc)})") from None
    except (ValueError, RecursionError) as exc:  # an integer of 4301+ digits; a nesting the scan did not see
        raise BadInputError("suite", str(path), f"TOML qseg cannot read ({one_line(exc)[:120]})") from None
    refused = refused_number(data)
    if refused is not None:
        where, token, kind = refused
        # the number itself (shown as TOML writes it, shortened), not its text in quotes
        number = float(token) if kind == "not a finite number" else int(token) if len(token) < 4000 else token
        raise SuiteError(path, where, number, kind)
    return parse_suite(data, path, text)


_TOML_TEXT = re.compile(r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*', re.DOTALL)


_TOML_KEY = re.compile(r'^[ \t]*(?:\[\[?([A-Za-z_"][^\]\n]*)\]\]?[ \t]*$|([^=\n\[{]+)=)', re.MULTILINE)


def toml_depth(text: str) -> int:
    """Return how deep the arrays, inline tables and dotted keys of TOML ``text`` nest, strings
    and comments removed (an overestimate is harmless: real suites nest 3 or 4 deep)."""
    bare = _TOML_TEXT.sub('""', text)
    keys = [match.group(1) or match.group(2) for match in _TOML_KEY.finditer(bare)]  # dotted keys nest tables too
    return max(json_depth(bare.encode()), max((key.count(".") + 1 for key in keys), default=0))


def parse_suite(data: dict[str, Any], path: Path, text: str) -> Suite:
    """Return the suite described by parsed TOML ``data`` after validating every key. The number
    of cells is checked against ``max_cells`` before any problem is built."""
    _known(path, "", data, TOP_LEVEL_KEYS)
    _all_finite(path, "", data)
    name = _typed(path, "name", data.get("name", path.stem), str)
    timeout = _finite(path, "timeout_s", data.get("timeout_s", DEFAULT_TIMEOUT_S))
    if timeout <= 0:
        raise SuiteError(path, "timeout_s", data["timeout_s"], "must be > 0")
    repeats = _typed(path, "repeats", data.get("repeats", 1), int)
    if repeats < 1:
        raise SuiteError(path, "repeats", repeats, "must be >= 1")
    eps = _finite(path, "eps", data.get("eps", DEFAULT_EPS))
    if eps < 0:
        raise SuiteError(path, "eps", data["eps"], "must be >= 0")
    max_cells = _typed(path, "max_cells", data.get("max_cells", DEFAULT_MAX_CELLS), int)
    if max_cells < 1:
        raise SuiteError(path, "max_cells", max_cells, "must be >= 1")
    reference_backend = _typed(path, "reference", data.get("reference", "cbc"), str)
    formulations = _per_problem(path, "formulations", data.get("formulations", []))
    baselines = _per_problem(path, "baselines", data.get("baselines", []))
    penalties = _typed(path, "penalties", data.get("penalties", {}), dict)
    instances = _typed(path, "instances", data.get("instances", []), list)
    backends = _typed(path, "backends", data.get("backends", []), list)
    if not instances:
        raise SuiteError(path, "instances", [], "a suite needs at least one [[instances]] table")
    if not backends and not baselines:
        raise SuiteError(path, "backends", [], "a suite needs at least one [[backends]] table or baseline")

    _check_reference(path, reference_backend)
    tables = _check_backends(path, backends, max_cells)
    instance_tables = [_instance_table(path, f"instances[{i}]", table) for i, table in enumerate(instances)]
    _check_cell_count(path, instance_tables, tables, formulations, baselines, repeats, max_cells)
    definition = {key: value for key, value in data.items() if key not in RUN_SETTING_KEYS}
    suite = Suite(path=path, name=name, text=text, definition_sha256=content_hash(definition, 64),
                  settings=RunSettings(timeout_s=float(timeout), eps=float(eps)), reference_backend=reference_backend)
    for table in instance_tables:
        for instance, instance_sweep in table.specs:
            problem = _build(path, table.where, instance)
            suite.problems[instance.key] = problem
            meta = InstanceMeta(problem.instance, problem.sense, problem.size)
            own_defaults = _for_problem(table.formulations, problem.name)
            defaults = own_defaults or _for_problem(formulations, problem.name)
            # Where the default list is written, so that a bad name is blamed on the key that holds it.
            source = _names_key(f"{table.where}.formulations" if own_defaults else "formulations",
                                table.formulations if own_defaults else formulations, problem.name)
            for backend_table in tables:
                if not backend_table.runs_on(problem.name, table.tag):
                    continue
                for formulation in _formulations(path, problem, backend_table, defaults, source):
                    options = penalties.get(formulation, {})
                    if backend_table.penalty_tuning and not problem.penalty_weights.get(formulation):
                        raise SuiteError(path, f"{backend_table.where}.penalty_tuning", True,
                                         f"{problem.name} {formulation} has no tunable penalty weight")
                    _check_penalties(path, problem, formulation, options)
                    for ((params, swept), point), repeat in itertools.product(
                            zip(backend_table.grid, backend_table.resolved, strict=True), range(repeats)):
                        resolved = _resolved(path, backend_table, problem, params, repeat, point)
                        if repeat == 0:
                            _check_work(path, backend_table, problem, formulation, resolved)
                        suite.add(CellSpec(instance=instance, formulation=formulation, backend=backend_table.backend.name,
                                           params=resolved, penalties=dict(options), polish=backend_table.polish,
                                           repeat=repeat, reference_backend=reference_backend, sweep={**instance_sweep, **swept},
                                           meta=meta, penalty_tuning=backend_table.penalty_tuning))
            own_baselines = _for_problem(table.baselines, problem.name)
            wanted = own_baselines or _for_problem(baselines, problem.name)
            baselines_key = _names_key(f"{table.where}.baselines" if own_baselines else "baselines",
                                       table.baselines if own_baselines else baselines, problem.name)
            for baseline in wanted:
                if baseline not in problem.baselines():
                    raise SuiteError(path, baselines_key, baseline, f"not a baseline of {problem.name} {problem.instance}; "
                                     f"known: {', '.join(problem.baselines())}")
                suite.add(CellSpec(instance=instance, formulation=BASELINE_FORMULATION,
                                   backend=f"{BASELINE_PREFIX}{baseline}", params={}, penalties={}, polish=False,
                                   repeat=0, reference_backend=reference_backend, sweep=dict(instance_sweep), meta=meta))
    if not suite.cells:
        raise SuiteError(path, "backends", [t.backend.name for t in tables],
                         "the suite expands to no cell: no backend table or baseline applies to any instance "
                         "(check tags, problems and per-problem formulations)")
    return suite


def grid_points(path: Path, where: str, params: Mapping[str, Any],
                max_points: int | None = None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Return every point of a parameter table whose list values are grids: (the parameters at
    that point, the swept keys with their values), in the cartesian product's order. A grid of
    more than ``max_points`` points is refused from the product of its lengths, before any point
    is made."""
    swept = {key: value for key, value in params.items() if isinstance(value, list)}
    for key, values in swept.items():
        if not values:
            raise SuiteError(path, f"{where}.{key}", values, "a grid needs at least one value")
        for value in values:
            if isinstance(value, (list, dict)):
                raise SuiteError(path, f"{where}.{key}", value, "grid values must be single values")
    size = math.prod(len(values) for values in swept.values())
    if max_points is not None and size > max_points:
        shape = " x ".join(f"{len(values):,} {key}" for key, values in swept.items())
        raise SuiteError(path, "max_cells", max_points, f"{where} is a grid of {size:,} points ({shape}), "
                                                        "over max_cells; shrink the grid or raise max_cells")
    points = []
    for combination in itertools.product(*swept.values()):
        chosen = dict(zip(swept, combination, strict=True))
        points.append(({**params, **chosen}, chosen))
    return points


def _instance_table(path: Path, where: str, table: Any) -> InstanceTable:
    _known(path, where + ".", _typed(path, where, table, dict), INSTANCE_KEYS)
    problem = _typed(path, f"{where}.problem", table.get("problem"), str)
    if problem not in problem_names():
        raise SuiteError(path, f"{where}.problem", problem, f"unknown problem; known: {', '.join(problem_names())}")
    data = table.get("data")
    datas = [data] if data is None or isinstance(data, str) else _string_list(path, f"{where}.data", data)
    sizes = table.get("sizes", [None])
    seeds = table.get("seeds", [0])
    for key, values in (("sizes", sizes), ("seeds", seeds)):
        if not isinstance(values, list) or not values:
            raise SuiteError(path, f"{where}.{key}", values, "expected a non-empty list")
        for value in values:
            lowest = 1 if key == "sizes" else 0
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < lowest):
                raise SuiteError(path, f"{where}.{key}", value, f"expected whole numbers >= {lowest}")
    params = _typed(path, f"{where}.params", table.get("params", {}), dict)
    specs = [
        (InstanceSpec(problem=problem, data=d, size=size, seed=seed, params=point), swept)
        for point, swept in grid_points(path, f"{where}.params", params)
        for d in datas for size in sizes for seed in seeds
    ]
    return InstanceTable(
        where=where, specs=specs,
        formulations=_per_problem(path, f"{where}.formulations", table.get("formulations", [])),
        baselines=_per_problem(path, f"{where}.baselines", table.get("baselines", [])),
        tag=_typed(path, f"{where}.tag", table["tag"], str) if "tag" in table else None,
    )


def _check_cell_count(path: Path, instances: list[InstanceTable], tables: list[BackendTable], formulations: Names,
                      baselines: Names, repeats: int, max_cells: int) -> None:
    """Refuse, before any problem is built, a suite that expands past ``max_cells``; the message
    names the product that makes it large."""
    total, parts = 0, []
    for instance in instances:
        problem = instance.specs[0][0].problem
        defaults = _for_problem(instance.formulations, problem) or _for_problem(formulations, problem)
        per_instance = 0
        for table in tables:
            if not table.runs_on(problem, instance.tag):
                continue
            own = _for_problem(table.formulations, problem)
            count = len(own) or (len(defaults) if "bqm" in table.backend.accepts else 0) or 1
            per_instance += len(table.grid) * count * repeats
            if len(table.grid) > 1:
                parts.append(f"{table.where}.params grid of {len(table.grid):,} points")
        per_instance += len(_for_problem(instance.baselines, problem) or _for_problem(baselines, problem))
        total += len(instance.specs) * per_instance
        if len(instance.specs) > 1:
            parts.append(f"{instance.where}: {len(instance.specs):,} instances")
    product = "; ".join(dict.fromkeys(parts)) or "instances x backends x formulations"
    if total > max_cells:
        raise SuiteError(path, "max_cells", max_cells,
                         f"the suite expands to {total:,} cells ({product}; x {repeats} repeats); "
                         "shrink the grid or raise max_cells")
    too_large = memory_refusal(total * CELL_BYTES, f"the suite's {total:,} cells ({product}; x {repeats} repeats)")
    if too_large:
        raise SuiteError(path, "max_cells", max_cells, too_large)


def _check_work(path: Path, table: BackendTable, problem: Problem, formulation: str, resolved: dict[str, Any]) -> None:
    """Refuse a cell whose size knobs (reads, sweeps, shots, layers) cannot fit the machine, at
    the variable count known before building (one when none is: a lower bound)."""
    known = problem.qubo_variables(formulation) if formulation in problem.formulations else None
    try:
        table.backend.check_work(1 if known is None else known, resolved)
    except BadInputError as exc:
        raise SuiteError(path, _where_param(table.where, exc), exc.value, exc.reason) from None


def _resolved(path: Path, table: BackendTable, problem: Problem, params: dict[str, Any], repeat: int,
              point: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return a cell's resolved backend parameters. ``point``: the grid point already resolved
    (by ``_check_backends``), so only the derived seed is added: what ``resolve_backend_params``
    returns, without coercing every value again for each of thousands of cells."""
    try:
        if point is not None:
            backend = table.backend
            if backend.seeded and params.get("seed") is None:
                return {**point, "seed": backend.parameters["seed"].coerce("seed", derive_seed(problem.seed, repeat))}
            return dict(point)
        return resolve_backend_params(table.backend, problem.seed, params, repeat)
    except BadInputError as exc:
        raise SuiteError(path, _where_param(table.where, exc), exc.value, exc.reason) from None


def _per_problem(path: Path, key: str, value: Any) -> Names:
    """Return a list of names, or a table of lists keyed by problem name (validated)."""
    if isinstance(value, dict):
        for problem, names in value.items():
            if problem not in problem_names():
                raise SuiteError(path, f"{key}.{problem}", names, f"unknown problem; known: {', '.join(problem_names())}")
            _string_list(path, f"{key}.{problem}", names)
        return {problem: list(names) for problem, names in value.items()}
    return _string_list(path, key, value)


def _for_problem(names: Names | None, problem: str) -> list[str]:
    """Return the names that apply to ``problem``: the list itself, or its entry in the table."""
    if names is None:
        return []
    return list(names.get(problem, [])) if isinstance(names, dict) else list(names)


def _build(path: Path, where: str, spec: InstanceSpec) -> Problem:
    try:
        return build_problem(spec.problem, size=spec.size, seed=spec.seed, data=spec.data, params=spec.params)
    except UnknownNameError as exc:
        raise SuiteError(path, f"{where}.params", exc.value, exc.reason) from None
    except BadInputError as exc:
        # A problem parameter is written under params; size, seed and data are the table's own keys.
        key = exc.field if exc.field in ("size", "seed", "data") or exc.field not in spec.params else f"params.{exc.field}"
        raise SuiteError(path, f"{where}.{key}", exc.value, exc.reason) from None


def _check_penalties(path: Path, problem: Problem, formulation: str, options: Any) -> None:
    where = f"penalties.{formulation}"
    allowed = problem.penalty_options.get(formulation, ())
    for key, value in _typed(path, where, options, dict).items():
        if key not in allowed:
            raise SuiteError(path, f"{where}.{key}", value, f"unknown penalty option; known: {', '.join(allowed) or 'none'}")
        try:
            positive_number(key, value)
        except BadInputError as exc:
            raise SuiteError(path, f"{where}.{key}", value, exc.reason) from None


def _check_reference(path: Path, reference: str) -> None:
    if reference == NO_REFERENCE:
        return
    try:
        backend = load_backend(reference)
    except BadInputError as exc:
        raise SuiteError(path, "reference", reference, exc.reason) from None
    if not backend.exact:
        raise SuiteError(path, "reference", reference, "the reference backend must be exact")


def _check_backends(path: Path, tables: list[Any], max_cells: int | None = None) -> list[BackendTable]:
    loaded = []
    for index, table in enumerate(tables):
        where = f"backends[{index}]"
        _known(path, where + ".", _typed(path, where, table, dict), BACKEND_KEYS)
        name = _typed(path, f"{where}.name", table.get("name"), str)
        params = _typed(path, f"{where}.params", table.get("params", {}), dict)
        try:
            backend = load_backend(name)
            grid = grid_points(path, f"{where}.params", params, max_cells)
            resolved = [backend.resolve_params(point) for point, _ in grid]  # checked before any problem is built
        except SuiteError:
            raise
        except BadInputError as exc:
            raise SuiteError(path, _where_param(where, exc), exc.value, exc.reason) from None
        formulations = table.get("formulations")
        if formulations is not None:
            formulations = _per_problem(path, f"{where}.formulations", formulations)
        polish = _typed(path, f"{where}.polish", table.get("polish", False), bool)
        tuning = _typed(path, f"{where}.penalty_tuning", table.get("penalty_tuning", False), bool)
        if tuning and "bqm" not in backend.accepts:
            raise SuiteError(path, f"{where}.penalty_tuning", True, f"backend {name!r} takes no QUBO: no penalty to tune")
        tags = _string_list(path, f"{where}.tags", table["tags"]) if "tags" in table else None
        problems = _problem_list(path, f"{where}.problems", table["problems"]) if "problems" in table else None
        loaded.append(BackendTable(where, backend, grid, resolved, formulations, polish, tags, problems, tuning))
    return loaded


def _formulations(path: Path, problem: Problem, table: BackendTable, default_formulations: list[str],
                  default_key: str = "formulations") -> Iterator[str]:
    """Yield the resolved formulations ``table``'s backend runs on ``problem``; a bad one is
    blamed on the key it is written under (the backend table's, else ``default_key``)."""
    backend = table.backend
    own = _for_problem(table.formulations, problem.name)
    if table.polish and not problem.can_polish:
        raise SuiteError(path, f"{table.where}.polish", True, f"{problem.name} has no polish step")
    wanted: list[str | None] = [*own] or ([*default_formulations] if "bqm" in backend.accepts else []) or [None]
    if "bqm" not in backend.accepts and not own:
        wanted = [None]
    key = _names_key(f"{table.where}.formulations", table.formulations, problem.name) if own else default_key
    for formulation in wanted:
        try:
            yield resolve_formulation(problem, backend, formulation)
        except BadInputError as exc:
            raise SuiteError(path, key, formulation, f"{exc.reason} (backend {backend.name}, {problem.name})") from None
        except QsegError as exc:
            raise SuiteError(path, key, formulation, f"{exc} (backend {backend.name}, {problem.name})") from None


def _names_key(key: str, names: Names | None, problem: str) -> str:
    """Return the key a formulation list is written under: ``key``, or ``key.PROBLEM`` for a table."""
    return f"{key}.{problem}" if isinstance(names, dict) else key


def _where_param(where: str, exc: BadInputError) -> str:
    """Return the suite key of a backend parameter error: ``WHERE.params.KEY`` for a bad value
    (``param KEY``) or an unknown key, else ``WHERE.FIELD``."""
    if isinstance(exc, UnknownNameError) and exc.field.endswith(" parameter"):
        return f"{where}.params"
    if exc.field == "backend":
        return f"{where}.name"
    if exc.field.startswith("param "):
        return f"{where}.params.{exc.field.removeprefix('param ')}"
    return f"{where}.{exc.field}"


def _all_finite(path: Path, prefix: str, value: Any) -> None:
    """Refuse NaN and infinity anywhere in the suite (TOML writes them as ``nan``, ``inf``): no
    count, limit, weight or parameter means anything non-finite, and a run must never store one."""
    if isinstance(value, float) and not math.isfinite(value):
        raise SuiteError(path, prefix.rstrip("."), value, "expected a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _all_finite(path, f"{prefix}{key}.", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _all_finite(path, f"{prefix.rstrip('.')}[{index}].", item)


def _problem_list(path: Path, key: str, value: Any) -> list[str]:
    names = _string_list(path, key, value)
    for name in names:
        if name not in problem_names():
            raise SuiteError(path, key, name, f"unknown problem; known: {', '.join(problem_names())}")
    return names


def _known(path: Path, prefix: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise SuiteError(path, prefix + key, table[key], f"unknown key; known: {', '.join(sorted(allowed))}")


def _typed(path: Path, key: str, value: Any, types: type | tuple[type, ...]) -> Any:
    allowed = types if isinstance(types, tuple) else (types,)
    if value is None or isinstance(value, bool) and bool not in allowed or not isinstance(value, types):
        expected = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        if value is None:  # TOML has no null: the key is missing
            raise BadInputError(f"{path}: {key}", "(missing)", f"required; expected {expected}")
        raise SuiteError(path, key, value, f"expected {expected}")
    return value


def _finite(path: Path, key: str, value: Any) -> float:
    """Return a suite number as a float; NaN and infinity are refused like any bad value."""
    number = _typed(path, key, value, (int, float))
    if not math.isfinite(number):
        raise SuiteError(path, key, value, "expected a finite number")
    return float(number)


def _string_list(path: Path, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SuiteError(path, key, value, "expected a list of strings")
    return list(value)

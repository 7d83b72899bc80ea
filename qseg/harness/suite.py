"""Suite files (TOML): what to run, validated before anything runs, expanded into cells.

::

    name = "smoke"
    timeout_s = 60            # per cell; a cell past it is killed and recorded as "timeout"
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
    params = { budget_fraction = 0.5 }
    formulations = ["unbalanced"]          # optional: this instance's formulations and baselines
    baselines = ["greedy"]
    tag = "small"                          # optional: backends with `tags` run only on tagged instances

    [[backends]]
    name = "sa"
    params = { num_reads = 20 }
    formulations = ["unbalanced", "slack"] # optional override: a list, or a table per problem
                                           #   (then the backend runs only on the problems named)
    polish = true                          # optional: the problem's classical polish (k-medoids)
    tags = ["small"]                       # optional: run only on instances with one of these tags
    problems = ["knapsack"]                # optional: run only on these problems

A formulation list is chosen per cell from the most specific place that names one for the
cell's problem: the backend table, then the instance, then the suite.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qseg.errors import BadInputError, QsegError

TOP_LEVEL_KEYS = {"name", "description", "timeout_s", "repeats", "reference", "eps", "formulations",
                  "baselines", "penalties", "instances", "backends"}
INSTANCE_KEYS = {"problem", "sizes", "seeds", "data", "params", "formulations", "baselines", "tag"}
# A backend with ``tags`` runs only on instances whose ``tag`` it lists (e.g. QAOA on small ones).
# ``problems`` limits a backend table to some problems (e.g. fewer reads on a costly QUBO).
BACKEND_KEYS = {"name", "params", "formulations", "polish", "tags", "problems"}
NO_REFERENCE = "none"


class SuiteError(BadInputError):
    """A suite file is invalid: the message names the file, the key and the value."""

    def __init__(self, path: Path | str, key: str, value: Any, problem: str) -> None:
        super().__init__(f"{path}: {key}", value, problem)


@dataclass(frozen=True)
class Cell:
    """One unit of work: one instance, formulation, backend and repeat. ``key`` hashes it all."""

    spec: dict[str, Any]
    key: str

    @property
    def label(self) -> str:
        """Return a short human description of the cell."""
        s = self.spec
        where = s["data"] or f"n={s['size']}"
        return f"{s['problem']} {where} seed={s['seed']} {s['backend']}/{s['formulation']} r{s['repeat']}"


@dataclass
class Suite:
    """A validated suite: its source text and the cells it expands to."""

    path: Path
    name: str
    text: str
    timeout_s: float
    reference: str
    cells: list[Cell] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)

    @property
    def sha256(self) -> str:
        """Return the hash of the suite text, which ties a store to its suite."""
        return hashlib.sha256(self.text.encode()).hexdigest()


def cell_key(spec: dict[str, Any]) -> str:
    """Return the hash of a cell's full specification (canonical JSON)."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def load_suite(path: Path | str) -> Suite:
    """Return the validated suite in ``path``; raise SuiteError naming file, key and value."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise SuiteError(path, "file", str(path), f"unreadable ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(path, "toml", str(exc), "malformed TOML") from None
    return parse_suite(data, path, text)


def parse_suite(data: dict[str, Any], path: Path, text: str) -> Suite:
    """Return the suite described by parsed TOML ``data`` after validating every key."""
    _known(path, "", data, TOP_LEVEL_KEYS)
    name = _typed(path, "name", data.get("name", path.stem), str)
    timeout = _typed(path, "timeout_s", data.get("timeout_s", 600), (int, float))
    if timeout <= 0:
        raise SuiteError(path, "timeout_s", timeout, "must be > 0")
    repeats = _typed(path, "repeats", data.get("repeats", 1), int)
    if repeats < 1:
        raise SuiteError(path, "repeats", repeats, "must be >= 1")
    eps = _typed(path, "eps", data.get("eps", 1e-6), (int, float))
    if eps < 0:
        raise SuiteError(path, "eps", eps, "must be >= 0")
    reference = _typed(path, "reference", data.get("reference", "cbc"), str)
    formulations = _per_problem(path, "formulations", data.get("formulations", []))
    baselines = _per_problem(path, "baselines", data.get("baselines", []))
    penalties = _typed(path, "penalties", data.get("penalties", {}), dict)
    instances = _typed(path, "instances", data.get("instances", []), list)
    backends = _typed(path, "backends", data.get("backends", []), list)
    if not instances:
        raise SuiteError(path, "instances", [], "a suite needs at least one [[instances]] table")
    if not backends and not baselines:
        raise SuiteError(path, "backends", [], "a suite needs at least one [[backends]] table or baseline")

    suite = Suite(path=path, name=name, text=text, timeout_s=float(timeout), reference=reference)
    _check_reference(path, reference)
    loaded = _check_backends(path, backends)
    for index, instance in enumerate(instances):
        where = f"instances[{index}]"
        _known(path, where + ".", _typed(path, where, instance, dict), INSTANCE_KEYS)
        instance_formulations = _per_problem(path, f"{where}.formulations", instance.get("formulations", []))
        instance_baselines = _per_problem(path, f"{where}.baselines", instance.get("baselines", []))
        tag = _typed(path, f"{where}.tag", instance["tag"], str) if "tag" in instance else None
        for problem_spec in _expand_instance(path, where, instance):
            problem = _build(path, where, problem_spec)
            problem_spec["meta"] = {"instance": problem.instance, "sense": problem.sense, "size": problem.size}
            defaults = _for_problem(instance_formulations, problem.name) or _for_problem(formulations, problem.name)
            for formulation, backend, params, polish in _pairs(path, problem, loaded, defaults, tag):
                _check_penalties(path, problem, formulation, penalties.get(formulation, {}))
                for repeat in range(repeats):
                    _add(suite, problem_spec, formulation, backend, params, penalties, repeat, eps, polish)
            wanted = _for_problem(instance_baselines, problem.name) or _for_problem(baselines, problem.name)
            for baseline in wanted:
                if baseline not in problem.baselines():
                    raise SuiteError(path, "baselines", baseline, f"not a baseline of {problem.name} {problem.instance}; "
                                     f"known: {', '.join(problem.baselines())}")
                _add(suite, problem_spec, "native", f"baseline:{baseline}", {}, {}, 0, eps)
    return suite


def _per_problem(path: Path, key: str, value: Any) -> list[str] | dict[str, list[str]]:
    """Return a list of names, or a table of lists keyed by problem name (validated)."""
    if isinstance(value, dict):
        from qseg.problems import problem_names

        for problem, names in value.items():
            if problem not in problem_names():
                raise SuiteError(path, f"{key}.{problem}", names, f"unknown problem; known: {', '.join(problem_names())}")
            _string_list(path, f"{key}.{problem}", names)
        return {problem: list(names) for problem, names in value.items()}
    return _string_list(path, key, value)


def _for_problem(names: list[str] | dict[str, list[str]] | None, problem: str) -> list[str]:
    """Return the names that apply to ``problem``: the list itself, or its entry in the table."""
    if names is None:
        return []
    return list(names.get(problem, [])) if isinstance(names, dict) else list(names)


def _add(suite: Suite, problem_spec: dict, formulation: str, backend: str, params: dict,
         penalties: dict, repeat: int, eps: float, polish: bool = False) -> None:
    spec = {
        **problem_spec,
        "formulation": formulation,
        "penalties": dict(penalties.get(formulation, {})),
        "backend": backend,
        "backend_params": dict(params),
        "repeat": repeat,
        "timeout_s": suite.timeout_s,
        "reference": suite.reference,
        "eps": eps,
    }
    if polish:  # only when set, so the keys of existing stores stay valid
        spec["polish"] = True
    key = cell_key(spec)
    if key not in suite.keys:
        suite.keys.add(key)
        suite.cells.append(Cell(spec, key))


def _expand_instance(path: Path, where: str, instance: dict) -> list[dict[str, Any]]:
    problem = _typed(path, f"{where}.problem", instance.get("problem"), str)
    data = instance.get("data")
    datas = [data] if data is None or isinstance(data, str) else _string_list(path, f"{where}.data", data)
    sizes = instance.get("sizes", [None])
    seeds = instance.get("seeds", [0])
    for key, values in (("sizes", sizes), ("seeds", seeds)):
        if not isinstance(values, list) or not values:
            raise SuiteError(path, f"{where}.{key}", values, "expected a non-empty list")
        for value in values:
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < (1 if key == "sizes" else 0)):
                raise SuiteError(path, f"{where}.{key}", value, "expected whole numbers" + (" >= 1" if key == "sizes" else " >= 0"))
    params = _typed(path, f"{where}.params", instance.get("params", {}), dict)
    return [
        {"problem": problem, "data": d, "size": size, "seed": seed, "problem_params": dict(params)}
        for d in datas for size in sizes for seed in seeds
    ]


def _build(path: Path, where: str, spec: dict[str, Any]) -> Any:
    from qseg.problems import build_problem

    try:
        return build_problem(spec["problem"], size=spec["size"], seed=spec["seed"], data=spec["data"],
                             params=spec["problem_params"])
    except BadInputError as exc:
        raise SuiteError(path, f"{where}.{exc.field}", exc.value, exc.problem) from None


def _check_penalties(path: Path, problem: Any, formulation: str, options: Any) -> None:
    from qseg.problems.base import positive_number

    where = f"penalties.{formulation}"
    allowed = problem.penalty_options.get(formulation, ())
    for key, value in _typed(path, where, options, dict).items():
        if key not in allowed:
            raise SuiteError(path, f"{where}.{key}", value, f"unknown penalty option; known: {', '.join(allowed) or 'none'}")
        try:
            positive_number(key, value)
        except BadInputError as exc:
            raise SuiteError(path, f"{where}.{key}", value, exc.problem) from None


def _check_reference(path: Path, reference: str) -> None:
    if reference == NO_REFERENCE:
        return
    from qseg.backends import load_backend

    try:
        backend = load_backend(reference)
    except BadInputError as exc:
        raise SuiteError(path, "reference", reference, exc.problem) from None
    if not backend.exact:
        raise SuiteError(path, "reference", reference, "the reference backend must be exact")


def _check_backends(path: Path, tables: list) -> list[tuple[Any, dict, list[str] | None]]:
    from qseg.backends import load_backend

    loaded = []
    for index, table in enumerate(tables):
        where = f"backends[{index}]"
        _known(path, where + ".", _typed(path, where, table, dict), BACKEND_KEYS)
        name = _typed(path, f"{where}.name", table.get("name"), str)
        try:
            backend = load_backend(name)
            params = _typed(path, f"{where}.params", table.get("params", {}), dict)
            backend.resolve_params(params)
        except BadInputError as exc:
            raise SuiteError(path, f"{where}.{exc.field}", exc.value, exc.problem) from None
        formulations = table.get("formulations")
        if formulations is not None:
            formulations = _per_problem(path, f"{where}.formulations", formulations)
        polish = _typed(path, f"{where}.polish", table.get("polish", False), bool)
        tags = _string_list(path, f"{where}.tags", table["tags"]) if "tags" in table else None
        problems = _problem_list(path, f"{where}.problems", table["problems"]) if "problems" in table else None
        loaded.append((backend, params, formulations, polish, tags, problems))
    return loaded


def _pairs(path: Path, problem: Any, loaded: list, default_formulations: list[str], tag: str | None = None):
    from qseg.harness.cell import resolve_formulation

    for backend, params, formulations, polish, tags, problems in loaded:
        if tags is not None and tag not in tags or problems is not None and problem.name not in problems:
            continue
        if isinstance(formulations, dict) and problem.name not in formulations:
            continue  # a backend table keyed by problem runs only on the problems it names
        own = _for_problem(formulations, problem.name)
        if polish and not problem.can_polish:
            raise SuiteError(path, f"backend {backend.name} polish", True, f"{problem.name} has no polish step")
        wanted = own or (default_formulations if "bqm" in backend.accepts else None) or [None]
        if "bqm" not in backend.accepts and not own:
            wanted = [None]
        for formulation in wanted:
            try:
                chosen = resolve_formulation(problem, backend, formulation)
            except QsegError as exc:
                raise SuiteError(path, f"backend {backend.name} formulation", formulation, str(exc)) from None
            yield chosen, backend.name, params, polish


def _problem_list(path: Path, key: str, value: Any) -> list[str]:
    from qseg.problems import problem_names

    names = _string_list(path, key, value)
    for name in names:
        if name not in problem_names():
            raise SuiteError(path, key, name, f"unknown problem; known: {', '.join(problem_names())}")
    return names


def _known(path: Path, prefix: str, table: dict, allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise SuiteError(path, prefix + key, table[key], f"unknown key; known: {', '.join(sorted(allowed))}")


def _typed(path: Path, key: str, value: Any, types: type | tuple[type, ...]) -> Any:
    if value is None or isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)) or not isinstance(value, types):
        expected = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise SuiteError(path, key, value, f"expected {expected}")
    return value


def _string_list(path: Path, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SuiteError(path, key, value, "expected a list of strings")
    return list(value)

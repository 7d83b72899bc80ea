"""A hostile-input pass over qseg (issue 15): bad values for every command, suite, data file and
the API, each run in-process in its own folder and classified.

A case is *clean* when it is refused as bad input: the command exits 2 with exactly one line on
stderr that names a field (``field=value: reason``, or argparse's ``argument --x: ...``) and
holds no traceback; an API call raises ``BadInputError`` with a one-line message; and in both
the case's folder is byte for byte what it was (nothing created, nothing half-written).

Run it as a script for the counts (``python tests/fuzz_bad_inputs.py [-v]``); the pytest pass is
``tests/test_fuzz_bad_inputs.py`` (one test per case, in the default run).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2
MAX_ERROR_LINE = 2000  # characters: a line a person reads, whatever the input held
BINARY = bytes(range(256)) * 4  # not UTF-8, not CSV, not TOML
PMED_OK = "4 3 2\n1 2 5\n2 3 4\n3 4 3\n"
PISINGER_BLOCK = "inst1\nn {n}\nc 20\nz 15\ntime 0.00\n1,10,8,1\n2,5,9,0\n3,5,4,1\n-----\n"
KP01_OK = "3 20\n10 8\n5 9\n5 4\n"
PROPENSITY_OK = "propensity,outcome\n" + "".join(f"{(i % 10) / 10},{i % 2}\n" for i in range(60))
POINTS_OK = "f1,f2\n" + "".join(f"{i % 7},{i % 5}\n" for i in range(30))


@dataclass(frozen=True)
class Case:
    """One bad input: a command line (``argv``) or an API call (``call``, given the case's
    folder), with the files the case's folder holds before it runs."""

    name: str
    argv: tuple[str, ...] | None = None
    call: Callable[[Path], Any] | None = None
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)  # symlink name -> its target (/dev/zero), made after ``files``
    prepare: Callable[[Path], None] | None = None  # fills the folder beyond ``files`` (a real store)


@dataclass(frozen=True)
class Outcome:
    """How one case ended: ``clean`` or not, and what was seen (exit code and stderr, or the
    exception) when it was not."""

    case: Case
    clean: bool
    seen: str


def suite(body: str, *, instances: str | None = None, backends: str | None = None) -> str:
    """Return a small knapsack suite's text with ``body`` (top-level keys) and the given
    ``[[instances]]`` and ``[[backends]]`` tables (defaults: one tiny instance, ``random``)."""
    instance = instances if instances is not None else 'problem = "knapsack"\nsizes = [6]\nseeds = [1]'
    backend = backends if backends is not None else 'name = "random"\nparams = { num_reads = 1 }'
    head = "".join(f"{key} = {value}\n" for key, value in (("name", '"fuzz"'), ("reference", '"none"'))
                   if not body.startswith(f"{key} ="))
    return f"{head}{body}\n\n[[instances]]\n{instance}\n\n[[backends]]\n{backend}\n"


def _bench(*extra: str, **suite_parts: Any) -> tuple[tuple[str, ...], dict[str, str | bytes]]:
    body = suite_parts.pop("body", "")
    return ("bench", "s.toml", "--out", "store", *extra), {"s.toml": suite(body, **suite_parts)}


def _cli_cases() -> Iterator[Case]:
    solve = ("solve", "knapsack", "--size", "6")
    for value in ("0", "-5", "abc", "1e3", "99999999999999999999"):
        yield Case(f"solve --size {value}", ("solve", "knapsack", "--size", value))
    for value in ("-1", "1.5", "abc", str(2**70)):
        yield Case(f"solve --seed {value}", (*solve, "--seed", value))
    yield Case("solve unknown problem", ("solve", "nope"))
    yield Case("solve unknown backend", (*solve, "--backend", "nope"))
    yield Case("solve unknown formulation", (*solve, "--formulation", "nope"))
    yield Case("solve qubo formulation on a cqm backend", (*solve, "--backend", "highs", "--formulation", "unbalanced"))
    for setting in ("budget_fraction=nan", "budget_fraction=inf", "budget_fraction=-1", "budget_fraction=abc",
                    "budget_fraction=0", "budget=nan", "budget=-3", "nope=1", "noequals", "=3", "kappa=nan", "kappa=-1",
                    "lambda1=inf"):
        yield Case(f"solve --set {setting}", (*solve, "--set", setting))
    for backend, param in (("sa", "num_reads=0"), ("sa", "num_reads=nan"), ("sa", "num_reads=-3"), ("sa", "num_reads=abc"),
                           ("sa", "num_reads=inf"), ("sa", "num_reads=2.5"), ("sa", "num_sweeps=0"), ("sa", "seed=-1"),
                           ("sa", "seed=nan"), ("sa", "nope=1"), ("tabu", "timeout=0"), ("tabu", "num_restarts=-1"),
                           ("random", "num_reads=1e99"),
                           ("highs", "time_limit=0"), ("highs", "time_limit=-1"), ("highs", "time_limit=nan"),
                           ("highs", "time_limit=inf"), ("highs", "mip_gap=nan"), ("highs", "mip_gap=2"), ("highs", "threads=0"),
                           ("cbc", "time_limit=0"), ("cbc", "time_limit=-0.5"), ("cbc", "time_limit=inf"),
                           ("cbc", "time_limit=nan"),
                           ("mock-qpu", "embedding_timeout=inf"), ("mock-qpu", "embedding_timeout=0"),
                           ("mock-qpu", "chain_strength=nan"), ("mock-qpu", "chain_strength=inf"), ("mock-qpu", "num_sweeps=0"),
                           ("exact-bqm", "num_states=0"), ("qaoa", "shots=0"), ("qaoa", "reps=nan"), ("qaoa", "maxiter=0"),
                           ("qaoa", "maxiter=inf")):
        yield Case(f"solve {backend} --param {param}", (*solve, "--backend", backend, "--param", param))
    yield Case("solve --data missing file", ("solve", "knapsack", "--data", "missing.txt"))
    yield Case("solve --data missing file with --size", ("solve", "knapsack", "--data", "missing.txt", "--size", "5"))
    yield Case("solve binning --data missing file with --size", ("solve", "binning", "--data", "missing.csv", "--size", "5"))
    for problem in ("knapsack", "kmedoids", "assignment", "binning"):
        for name in ("blob.bin", "blob.csv"):
            yield Case(f"solve {problem} --data binary {name}", ("solve", problem, "--data", name), files={name: BINARY})
    for problem, data in (("knapsack", "blob.csv#x"), ("knapsack", "blob.txt#x"), ("kmedoids", "pmed9.txt")):
        name = data.partition("#")[0]
        yield Case(f"solve {problem} --data binary {data}", ("solve", problem, "--data", data), files={name: BINARY})
    for n in ("-1", "0", "abc", "2.5", "99"):
        yield Case(f"solve knapsack pisinger n = {n}", ("solve", "knapsack", "--data", "p.csv#inst1"),
                   files={"p.csv": PISINGER_BLOCK.format(n=n)})
    yield Case("solve knapsack pisinger unknown selector", ("solve", "knapsack", "--data", "p.csv#nope"),
               files={"p.csv": PISINGER_BLOCK.format(n=3)})
    yield Case("solve knapsack pisinger empty selector", ("solve", "knapsack", "--data", "p.csv#"),
               files={"p.csv": PISINGER_BLOCK.format(n=3)})
    yield Case("solve knapsack kp01 garbage optimum", ("solve", "knapsack", "--data", "kp/f1"),
               files={"kp/f1": KP01_OK, "kp-optimum/f1": "not-a-number\n"})
    yield Case("solve knapsack kp01 empty optimum", ("solve", "knapsack", "--data", "kp/f1"),
               files={"kp/f1": KP01_OK, "kp-optimum/f1": ""})
    yield Case("solve knapsack kp01 binary optimum", ("solve", "knapsack", "--data", "kp/f1"),
               files={"kp/f1": KP01_OK, "kp-optimum/f1": BINARY})
    yield Case("solve knapsack kp01 nan optimum", ("solve", "knapsack", "--data", "kp/f1"),
               files={"kp/f1": KP01_OK, "kp-optimum/f1": "nan\n"})
    yield Case("solve knapsack kp01 negative n", ("solve", "knapsack", "--data", "kp/f1"), files={"kp/f1": "-2 20\n1 1\n"})
    yield Case("solve knapsack kp01 nan capacity", ("solve", "knapsack", "--data", "kp/f1"), files={"kp/f1": "1 nan\n1 1\n"})
    for edge in ("1 5 3", "0 2 3", "-1 2 3", "1.5 2 3", "1 x 3", "1 2 nan", "1 2 -4"):
        yield Case(f"solve kmedoids pmed edge '{edge}'", ("solve", "kmedoids", "--data", "pmed9.txt"),
                   files={"pmed9.txt": PMED_OK.replace("3 4 3", edge)})
    yield Case("solve kmedoids pmed header p = 0", ("solve", "kmedoids", "--data", "pmed9.txt"),
               files={"pmed9.txt": PMED_OK.replace("4 3 2", "4 3 0")})
    yield Case("solve kmedoids pmed header n = -4", ("solve", "kmedoids", "--data", "pmed9.txt"),
               files={"pmed9.txt": PMED_OK.replace("4 3 2", "-4 3 2")})
    yield Case("solve kmedoids pmed garbage OPTIMA.csv", ("solve", "kmedoids", "--data", "pmed9.txt"),
               files={"pmed9.txt": PMED_OK, "OPTIMA.csv": "instance,optimum\npmed9,lots\n"})
    yield Case("solve kmedoids pmed OPTIMA.csv without an optimum column", ("solve", "kmedoids", "--data", "pmed9.txt"),
               files={"pmed9.txt": PMED_OK, "OPTIMA.csv": "instance,best\npmed9,12\n"})
    yield Case("solve kmedoids pmed binary OPTIMA.csv", ("solve", "kmedoids", "--data", "pmed9.txt"),
               files={"pmed9.txt": PMED_OK, "OPTIMA.csv": BINARY})
    yield Case("solve kmedoids points nan", ("solve", "kmedoids", "--data", "pts.csv"),
               files={"pts.csv": POINTS_OK + "nan,1\n"})
    yield Case("solve kmedoids --set k=0", ("solve", "kmedoids", "--size", "20", "--set", "k=0"))
    yield Case("solve kmedoids --set k=nan", ("solve", "kmedoids", "--size", "20", "--set", "k=nan"))
    yield Case("solve kmedoids --set k=25 (over size)", ("solve", "kmedoids", "--size", "20", "--set", "k=25"))
    yield Case("solve kmedoids --set metric=nope", ("solve", "kmedoids", "--size", "20", "--set", "metric=nope"))
    yield Case("solve assignment --set weekly_budget=nan", ("solve", "assignment", "--size", "20", "--set", "weekly_budget=nan"))
    yield Case("solve assignment --set max_action_pct=2", ("solve", "assignment", "--size", "20", "--set", "max_action_pct=2"))
    yield Case("solve binning --set n_bins=0", ("solve", "binning", "--size", "200", "--set", "n_bins=0"))
    yield Case("solve binning --set revenue=nan", ("solve", "binning", "--size", "200", "--set", "revenue=nan"))
    yield Case("solve binning propensity 1.5", ("solve", "binning", "--data", "p.csv"),
               files={"p.csv": PROPENSITY_OK + "1.5,1\n"})
    yield Case("solve --analysis onto a file", ("solve", "assignment", "--size", "20", "--analysis", "taken.txt"),
               files={"taken.txt": "keep me"})
    yield Case("solve binning --analysis onto a file", ("solve", "binning", "--size", "200", "--analysis", "taken.txt"),
               files={"taken.txt": "keep me"})
    yield Case("solve --analysis under a file", ("solve", "assignment", "--size", "20", "--analysis", "taken.txt/out"),
               files={"taken.txt": "keep me"})
    yield Case("solve knapsack --analysis", (*solve, "--analysis", "out"))
    yield Case("solve penalty_tuning on a CQM backend", ("solve", "knapsack", "--size", "10", "--backend", "highs",
                                                          "--param", "penalty_tuning=true"))

    # bench: suites
    yield Case("bench missing suite", ("bench", "missing.toml", "--out", "store"))
    yield Case("bench binary suite", ("bench", "blob.toml", "--out", "store"), files={"blob.toml": BINARY})
    yield Case("bench suite is a folder", ("bench", "adir", "--out", "store"), files={"adir/x": "x"})
    yield Case("bench empty suite", ("bench", "e.toml", "--out", "store"), files={"e.toml": ""})
    yield Case("bench malformed TOML", ("bench", "m.toml", "--out", "store"), files={"m.toml": "name = [\n"})
    for body in ("timeout_s = nan", "timeout_s = inf", "timeout_s = 0", "timeout_s = -1", "timeout_s = \"10\"",
                 "eps = nan", "eps = -1", "eps = inf", "repeats = 0", "repeats = 1.5", "repeats = true", "max_cells = 0",
                 "reference = \"sa\"", "reference = \"nope\"", "formulations = [\"nope\"]", "baselines = [\"nope\"]",
                 "formulations = { nope = [\"unbalanced\"] }", "penalties = { unbalanced = { kappa = nan } }",
                 "penalties = { unbalanced = { nope = 1 } }", "unknown_key = 1", "name = 3"):
        args, files = _bench(body=body)
        yield Case(f"bench suite {body}", args, files=files)
    for instance in ('problem = "knapsack"\nsizes = ["10"]', 'problem = "knapsack"\nsizes = [0]',
                     'problem = "knapsack"\nsizes = []',
                     'problem = "knapsack"\nsizes = 10', 'problem = "knapsack"\nsizes = [6]\nseeds = [-1]',
                     'problem = "knapsack"\nsizes = [6]\nseeds = [1.5]', 'problem = "nope"', 'sizes = [6]',
                     'problem = "knapsack"\nsizes = [6]\nparams = { budget_fraction = nan }',
                     'problem = "knapsack"\nsizes = [6]\nparams = { budget_fraction = [] }',
                     'problem = "knapsack"\nsizes = [6]\nparams = { nope = 1 }',
                     'problem = "knapsack"\ndata = "blob.bin"', 'problem = "knapsack"\ndata = "missing.txt"',
                     'problem = "knapsack"\nsizes = [100000000000]', 'problem = "knapsack"\nsizes = [6]\ntag = 3'):
        args, files = _bench(instances=instance)
        yield Case(f"bench instance {instance.splitlines()[-1]}", args, files={**files, "blob.bin": BINARY})
    for backend in ('name = "nope"', 'name = "sa"\nparams = { num_reads = nan }', 'name = "sa"\nparams = { num_reads = 0 }',
                    'name = "sa"\nparams = { num_reads = [] }', 'name = "sa"\nparams = { num_reads = [[1]] }',
                    'name = "highs"\nparams = { time_limit = 0 }', 'name = "highs"\nparams = { time_limit = inf }',
                    'name = "sa"\npolish = "yes"', 'name = "sa"\ntags = "small"', 'name = "sa"\nproblems = ["nope"]',
                    'name = "sa"\nnope = 1', 'name = "sa"\nformulations = ["nope"]'):
        args, files = _bench(backends=backend)
        yield Case(f"bench backend {backend.splitlines()[-1]}", args, files=files)
    args, files = _bench(backends='name = "sa"\nparams = { num_reads = 1, num_sweeps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }',
                         body="max_cells = 5")
    yield Case("bench grid over max_cells", args, files=files)
    args, files = _bench(instances='problem = "knapsack"\nsizes = [6]\nseeds = [1]\ntag = "small"',
                         backends='name = "random"\ntags = ["large"]')
    yield Case("bench suite with no cell", args, files=files)
    for extra in (("--workers", "0"), ("--workers", "-2"), ("--workers", "x"), ("--max-qpu-s", "nan"),
                  ("--max-qpu-s", "-1"), ("--max-qpu-s", "inf"), ("--resume", "--overwrite")):
        args, files = _bench(*extra)
        yield Case(f"bench {' '.join(extra)}", args, files=files)
    args, files = _bench()
    yield Case("bench --out is a file", (*args[:3], "taken.txt"), files={**files, "taken.txt": "keep me"})
    yield Case("bench --out under a file", (*args[:3], "taken.txt/store"), files={**files, "taken.txt": "keep me"})
    yield Case("bench --out holds cells without run.json", args, files={**files, "store/cells.jsonl": '{"key": "x"}\n'})
    yield Case("bench --resume onto a garbled run.json", (*args, "--resume"),
               files={**files, "store/run.json": "{garbled", "store/cells.jsonl": ""})
    yield Case("bench --resume onto a list run.json", (*args, "--resume"),
               files={**files, "store/run.json": "[1, 2]", "store/cells.jsonl": ""})
    yield Case("bench --resume onto a binary run.json", (*args, "--resume"),
               files={**files, "store/run.json": BINARY, "store/cells.jsonl": ""})
    yield Case("bench --resume onto another schema", (*args, "--resume"),
               files={**files, "store/run.json": '{"schema_version": 99, "suite": {}}', "store/cells.jsonl": ""})
    yield Case("bench --dry-run binary suite", ("bench", "blob.toml", "--dry-run"), files={"blob.toml": BINARY})

    # report
    yield Case("report missing folder", ("report", "nowhere"))
    yield Case("report a file", ("report", "taken.txt"), files={"taken.txt": "keep me"})
    yield Case("report a folder without run.json", ("report", "empty"), files={"empty/x.txt": "x"})
    for content in ("{garbled", "[1, 2]", "null", "", "42"):
        yield Case(f"report run.json {content or 'empty'}", ("report", "store"),
                   files={"store/run.json": content, "store/cells.jsonl": ""})
    yield Case("report binary run.json", ("report", "store"), files={"store/run.json": BINARY, "store/cells.jsonl": ""})

    # export
    yield Case("export unknown format", ("export", "--model", "knapsack", "--size", "6", "--format", "nope"))
    yield Case("export unknown problem", ("export", "--model", "nope", "--format", "lp"))
    yield Case("export qoblib of a model", ("export", "--model", "knapsack", "--size", "6", "--format", "qoblib"))
    yield Case("export lp of a store", ("export", "--store", "store", "--format", "lp"),
               files={"store/run.json": "{}", "store/cells.jsonl": ""})
    yield Case("export store missing", ("export", "--store", "nowhere", "--format", "qoblib"))
    yield Case("export store without run.json", ("export", "--store", "empty", "--format", "qoblib"), files={"empty/x": "x"})
    yield Case("export --out into a missing folder", ("export", "--model", "knapsack", "--size", "6", "--format", "lp",
                                                      "--out", "missing/m.lp"))
    yield Case("export --out onto a folder", ("export", "--model", "knapsack", "--size", "6", "--format", "bqm",
                                              "--out", "adir"), files={"adir/keep.txt": "keep me"})
    yield Case("export --out under a file", ("export", "--model", "knapsack", "--size", "6", "--format", "cqm",
                                             "--out", "taken.txt/m.cqm"), files={"taken.txt": "keep me"})
    yield Case("export qoblib --out into a missing folder", ("export", "--store", "store", "--format", "qoblib", "--out",
                                                             "missing/q.csv"),
               files={"store/run.json": '{"schema_version": 2}', "store/cells.jsonl": ""})
    yield Case("export qoblib --out onto a folder", ("export", "--store", "store", "--format", "qoblib", "--out", "adir"),
               files={"store/run.json": '{"schema_version": 2}', "store/cells.jsonl": "", "adir/keep.txt": "keep"})
    yield Case("export --size 0", ("export", "--model", "knapsack", "--size", "0", "--format", "lp"))
    yield Case("export --set budget=nan", ("export", "--model", "knapsack", "--size", "6", "--format", "lp",
                                           "--set", "budget=nan"))
    yield Case("export unknown formulation", ("export", "--model", "knapsack", "--size", "6", "--format", "bqm",
                                              "--formulation", "nope"))
    yield Case("export without --format", ("export", "--model", "knapsack"))

    # backends and the parser itself
    yield Case("backends --nope", ("backends", "--nope"))
    yield Case("backends extra argument", ("backends", "extra"))
    yield Case("no command", ())
    yield Case("unknown command", ("frobnicate",))


RETAIL_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
# 40 customers, enough for `segment --k 3` to run through: before the checks, a case that should
# have been refused wrote its outputs (over its input) instead of failing for another reason
RETAIL_OK = RETAIL_HEADER + "\n" + "".join(
    f"5{36000 + i // 3},A{i % 17},Thing,{1 + i % 9},12/{1 + i % 28}/2010 08:26,{1 + i % 5}.5,{17850 + i % 40},UK\n"
    for i in range(240))
STORE_OK = {"store/run.json": '{"schema_version": 2}', "store/cells.jsonl": ""}
SEGMENT = ("segment", "--k", "3", "--resamples", "1")


def _path_cases() -> Iterator[Case]:
    """Outputs onto inputs, broken symlinks as output paths, CSV columns differing by blanks and
    enormous headers (issue 23, item 5); the spend guard's cap (item 4)."""
    # an output folder holding the input under a name the command writes (or removes as stale)
    for name in ("features.csv", "transactions.csv", "segment.md", "profiles.csv"):
        yield Case(f"segment input {name} inside --out", (*SEGMENT, f"o/{name}", "--out", "o"), files={f"o/{name}": RETAIL_OK})
    yield Case("segment input symlinked into --out", (*SEGMENT, "tx.csv", "--out", "o"),
               files={"o/features.csv": RETAIL_OK}, links={"tx.csv": "o/features.csv"})
    yield Case("segment input under --out given through a symlink", (*SEGMENT, "o/features.csv", "--out", "alias"),
               files={"o/features.csv": RETAIL_OK}, links={"alias": "o"})
    yield Case("segment --assign onto its transactions", ("segment", "--assign", "seg.json", "o/assignments.csv",
                                                          "--out", "o"),
               files={"seg.json": "{}", "o/assignments.csv": RETAIL_OK})
    yield Case("segment --assign onto its segmenter", ("segment", "--assign", "o/assignments.csv", "tx.csv", "--out", "o"),
               files={"o/assignments.csv": "{}", "tx.csv": RETAIL_OK})
    # broken symlinks as output folders, refused before any work, naming the path given
    broken = {"dangling": {"out": "nowhere"}, "loop": {"out": "loop2", "loop2": "out"},
              "dangling ancestor": {"gone": "missing"}}
    for kind, links in broken.items():
        out = "gone/out" if kind == "dangling ancestor" else "out"
        yield Case(f"segment --out {kind} symlink", (*SEGMENT, "generated", "--customers", "40", "--out", out), links=links)
        yield Case(f"demo --out {kind} symlink", ("demo", "--out", out), links=links)
        yield Case(f"compare --out {kind} symlink", ("compare", "a", "b", "--out", out), links=links)
        yield Case(f"solve --analysis {kind} symlink", ("solve", "binning", "--size", "200", "--analysis", out), links=links)
        yield Case(f"solve --out {kind} symlink", ("solve", "knapsack", "--size", "6", "--out", out), links=links)
        yield Case(f"segment --assign --out {kind} symlink", ("segment", "--assign", "seg.json", "tx.csv", "--out", out),
                   files={"seg.json": "{}", "tx.csv": RETAIL_OK}, links=links)
    yield Case("report plots dangling symlink", ("report", "store"), files=STORE_OK, links={"store/plots": "../gone"})
    yield Case("report plots symlink loop", ("report", "store"), files=STORE_OK,
               links={"store/plots": "plots2", "store/plots2": "plots"})
    yield Case("report plots symlink out of the store", ("report", "store"), files={**STORE_OK, "outside/keep.txt": "k"},
               links={"store/plots": "../outside"})
    yield Case("report plots/PROBLEM symlink out of the store", ("report", "store"),
               files={**STORE_OK, "store/plots/keep.txt": "k", "outside/keep.txt": "k"},
               links={"store/plots/knapsack": "../../outside"})
    yield Case("export --out onto its --data file", ("export", "--model", "knapsack", "--data", "kp/f1", "--format", "lp",
                                                     "--out", "kp/f1"), files={"kp/f1": KP01_OK})
    yield Case("export --out onto its --data file through a symlink", ("export", "--model", "knapsack", "--data", "kp/f1",
                                                                       "--format", "lp", "--out", "m.lp"),
               files={"kp/f1": KP01_OK}, links={"m.lp": "kp/f1"})
    for name in ("cells.jsonl", "run.json"):
        yield Case(f"export qoblib --out onto the store's {name}", ("export", "--store", "store", "--format", "qoblib",
                                                                    "--out", f"store/{name}"), files=STORE_OK)
    yield Case("solve binning --analysis folder holding --data", ("solve", "binning", "--data", "d/bins.csv", "--set",
                                                                  "n_bins=3", "--analysis", "d"),
               files={"d/bins.csv": PROPENSITY_OK})
    yield Case("solve binning --analysis symlink to the --data folder", ("solve", "binning", "--data", "d/bins.csv",
                                                                         "--set", "n_bins=3", "--analysis", "alias"),
               files={"d/bins.csv": PROPENSITY_OK}, links={"alias": "d"})
    # CSV column names matched exactly; whitespace-only twins refused naming both; short lines
    def padded(name: str) -> str:
        # the twin holds plausible values (a distinct number per row), so taking it silently
        # would run through: before, it replaced the real column without a word
        lines = RETAIL_OK.splitlines()
        return "\n".join([f"{lines[0]},{name}", *(f"{line},{20000 + row}" for row, line in enumerate(lines[1:]))]) + "\n"

    for column in ("CustomerID", "Quantity", "UnitPrice"):
        yield Case(f"segment header ' {column} ' beside {column}", (*SEGMENT, "tx.csv", "--out", "o"),
                   files={"tx.csv": padded(f" {column} ")})
    yield Case("segment header tab-padded CustomerID twin", (*SEGMENT, "tx.csv", "--out", "o"),
               files={"tx.csv": padded("\tCustomerID")})
    wide = ",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" for _ in range(100_000)) + "\n"
    yield Case("segment 100,000-column header", (*SEGMENT, "wide.csv", "--out", "o"), files={"wide.csv": wide})
    yield Case("segment --columns naming no column of a 100,000-column header",
               (*SEGMENT, "wide.csv", "--columns", "customer:Client", "--out", "o"), files={"wide.csv": wide})
    yield Case("solve kmedoids points ' id ' beside id", ("solve", "kmedoids", "--data", "pts.csv"),
               files={"pts.csv": "id,f1,f2, id \n" + "".join(f"c{i},{i % 7},{i % 5},{i}\n" for i in range(30))})
    # the spend guard's cap itself
    for value in ("nan", "inf", "-1", "-inf"):
        yield Case(f"solve --max-qpu-s {value}", ("solve", "knapsack", "--size", "6", f"--max-qpu-s={value}"))
        yield Case(f"segment --max-qpu-s {value}", (*SEGMENT, "generated", "--out", "o", f"--max-qpu-s={value}"))
    yield Case("bench --dry-run --max-qpu-s nan", _bench("--dry-run", "--max-qpu-s=nan")[0], files=_bench()[1])


def _api_cases() -> Iterator[Case]:
    import qseg

    def problem(**kwargs: Any) -> Callable[[Path], Any]:
        return lambda _: qseg.problem(**{"name": "knapsack", "size": 6, **kwargs})

    def solve(*args: Any, **kwargs: Any) -> Callable[[Path], Any]:
        return lambda _: qseg.solve(qseg.problem("knapsack", size=6, seed=1), *args, **kwargs)

    for name, kwargs in (("size=nan", {"size": math.nan}), ("size='10'", {"size": "10"}), ("size=-1", {"size": -1}),
                         ("seed=nan", {"seed": math.nan}), ("seed=None", {"seed": None}), ("name=None", {"name": None}),
                         ("name=3", {"name": 3}), ("name='nope'", {"name": "nope"}), ("data=3", {"data": 3}),
                         ("budget_fraction=nan", {"budget_fraction": math.nan}), ("budget=inf", {"budget": math.inf}),
                         ("budget='x'", {"budget": "x"}), ("budget_fraction=True", {"budget_fraction": True})):
        yield Case(f"api problem {name}", call=problem(**kwargs))
    yield Case("api kmedoids k=2.5", call=lambda _: qseg.problem("kmedoids", size=20, k=2.5))
    yield Case("api binning n_bins=nan", call=lambda _: qseg.problem("binning", size=50, n_bins=math.nan))
    yield Case("api assignment weekly_budget=-1", call=lambda _: qseg.problem("assignment", size=20, weekly_budget=-1))
    for name, args, kwargs in (
        ("backend None", (None,), {}), ("backend 3", (3,), {}), ("backend 'nope'", ("nope",), {}),
        ("formulation 'nope'", ("sa",), {"formulation": "nope"}), ("formulation 3", ("sa",), {"formulation": 3}),
        ("num_reads=nan", ("sa",), {"num_reads": math.nan}), ("num_reads=True", ("sa",), {"num_reads": True}),
        ("num_reads=1e99", ("random",), {"num_reads": 1e99}), ("eps=nan", ("sa",), {"eps": math.nan}),
        ("eps=-1", ("sa",), {"eps": -1}), ("params=[1]", ("sa",), {"params": [1]}),
        ("penalties kappa=nan", ("sa",), {"penalties": {"kappa": math.nan}}),
        ("penalties='x'", ("sa",), {"penalties": "x"}), ("repeat=-1", ("sa",), {"repeat": -1}),
        ("repeat=1.5", ("sa",), {"repeat": 1.5}), ("highs time_limit=0", ("highs",), {"time_limit": 0}),
        ("highs time_limit=inf", ("highs",), {"time_limit": math.inf}), ("reference='nope'", ("sa",), {"reference": "nope"}),
        ("reference='sa' (not exact)", ("sa",), {"reference": "sa"}),
    ):
        yield Case(f"api solve {name}", call=solve(*args, **kwargs))
    for name, value in (("nan", math.nan), ("-1", -1.0), ("inf", math.inf), ("'10'", "10"), ("True", True)):
        yield Case(f"api solve max_qpu_s={name}", call=solve("sa", max_qpu_s=value))
    yield Case("api backend 'nope'", call=lambda _: qseg.backend("nope"))
    yield Case("api backend None", call=lambda _: qseg.backend(None))  # type: ignore[arg-type]
    yield Case("api solve_baseline 'nope'", call=lambda _: qseg.solve_baseline(qseg.problem("knapsack", size=6), "nope"))
    yield Case("api load_suite binary", call=lambda folder: _load_suite(folder / "blob.toml"), files={"blob.toml": BINARY})
    yield Case("api load_frame missing", call=lambda folder: _store_load(folder / "nowhere"))


def _load_suite(path: Path) -> Any:
    from qseg.harness.suite import load_suite

    return load_suite(path)


def _store_load(path: Path) -> Any:
    from qseg.reports.frame import load_frame

    return load_frame(path)


def cases() -> list[Case]:
    """Return every case: command lines, output paths, the API, then the damaged JSON and stores (issue 23)."""
    from fuzz_damaged_json import damaged_json_cases

    return [*_cli_cases(), *_path_cases(), *_api_cases(), *damaged_json_cases()]


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Return every path under ``folder`` with its bytes (None for a folder; a symlink, never
    followed, as ``-> TARGET``: it may be /dev/zero)."""
    def content(path: Path) -> bytes | None:
        if path.is_symlink():
            return f"-> {os.readlink(path)}".encode()
        return None if path.is_dir() else path.read_bytes()

    return {str(p.relative_to(folder)): content(p) for p in sorted(folder.rglob("*"))}


def _changes(before: dict[str, bytes | None], after: dict[str, bytes | None]) -> list[str]:
    created = [f"created {p}" for p in after if p not in before]
    removed = [f"removed {p}" for p in before if p not in after]
    changed = [f"changed {p}" for p in before if p in after and before[p] != after[p]]
    return created + removed + changed


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def run_case(case: Case, folder: Path) -> Outcome:
    """Run ``case`` in ``folder`` (created with the case's files) and classify it."""
    from cli_support import without_progress

    from qseg.cli import main
    from qseg.errors import BadInputError

    folder.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for name, target in case.links.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).symlink_to(target)
    if case.prepare is not None:
        case.prepare(folder)
    before = _snapshot(folder)
    out, err = io.StringIO(), io.StringIO()
    problems: list[str] = []
    seen = ""
    with _inside(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if case.argv is not None:
                code = main(list(case.argv))
                text = without_progress(err.getvalue())  # long commands' step lines are not the error
                seen = f"exit {code}: {text.strip()}"
                if code != EXIT_BAD_INPUT:
                    problems.append(f"exit {code}")
                if text.count("\n") != 1 or not text.endswith("\n"):
                    problems.append(f"{text.count(chr(10))} lines on stderr")
                if "Traceback" in text:
                    problems.append("traceback")
                if not ("=" in text or "argument" in text):
                    problems.append("no field named")
                if len(text) > MAX_ERROR_LINE:
                    problems.append(f"an error line of {len(text):,} characters")
            else:
                assert case.call is not None
                case.call(folder)
                problems.append("accepted")
                seen = "returned normally"
        except BadInputError as exc:
            seen = f"{type(exc).__name__}: {exc}"
            if "\n" in str(exc):
                problems.append("message of several lines")
        except BaseException as exc:  # noqa: BLE001 - anything else escaping is the finding
            seen = f"{type(exc).__name__}: {exc} [{traceback.format_exc(limit=-1).strip().splitlines()[-3].strip()}]"
            problems.append("escaped")
    problems += _changes(before, _snapshot(folder))
    return Outcome(case, not problems, seen if not problems else f"{'; '.join(problems)} | {seen}")


def run_all(root: Path, selected: list[Case] | None = None) -> list[Outcome]:
    """Run every case (or ``selected``), each in its own folder under ``root``."""
    os.environ.setdefault("QSEG_CACHE_DIR", str(root / "_cache"))
    return [run_case(case, root / f"case-{index:03d}") for index, case in enumerate(selected or cases())]


def main(argv: list[str]) -> int:
    """Print the counts (tried, clean) and every case that is not clean; return 1 if any."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="qseg-fuzz-") as root:
        outcomes = run_all(Path(root))
    dirty = [o for o in outcomes if not o.clean]
    for outcome in outcomes if "-v" in argv else dirty:
        print(f"{'clean' if outcome.clean else 'NOT CLEAN'}  {outcome.case.name}: {outcome.seen}")
    print(f"tried {len(outcomes)}, clean {len(outcomes) - len(dirty)}, not clean {len(dirty)}")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

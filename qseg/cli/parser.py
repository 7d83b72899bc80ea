"""The ``qseg`` argument parser: every subcommand, its options and their defaults (shown in each
``--help``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from qseg.errors import BadInputError

EXIT_BAD_INPUT = 2
EPILOG = ("exit codes: 0 done; 1 failure (infeasible model, solver error, no cell of a bench produced a result); "
          "2 bad input (nothing written); 74 input/output error while writing (full disk, permission; the path is "
          "named, no partial file is left, a store resumes); 130 interrupted")
DEFAULT_BACKEND = "sa"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"qseg: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Argparse's defaults formatter, quiet where the help already states its default and for
    options without one (None, a flag's False, an empty list)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.default in (None, False, [], argparse.SUPPRESS):
            return text
        return super()._get_help_string(action)


def key_values(pairs: Sequence[str], field: str) -> dict[str, str]:
    """Return ``KEY=VALUE`` options as a dict ("a=1,b=2" is two settings; "revenue=30,40,50" is one
    list); BadInputError naming ``field`` for an item without ``=``."""
    parsed: dict[str, str] = {}
    split: list[str] = []
    for item in pairs:
        # the part after a comma starts a new pair only when it has its own "="
        parts = item.split(",")
        split.append(parts[0])
        for part in parts[1:]:
            if "=" in part:
                split.append(part)
            else:
                split[-1] += "," + part
    for pair in split:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInputError(field, pair, "expected KEY=VALUE")
        parsed[key.strip()] = value.strip()
    return parsed


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qseg")
    except PackageNotFoundError:  # a source tree on sys.path, not installed
        from qseg import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    """Return the ``qseg`` parser (usage errors exit 2 with one line)."""
    parser = _Parser(prog="qseg", description="Compare quantum and classical solvers on customer problems.",
                     epilog=EPILOG, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"qseg {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text, formatter_class=HelpFormatter)

    listing = command("backends", "list installed backends and whether they can run")
    listing.add_argument("--json", action="store_true", help="print a JSON list")

    problems = command("problems", "list the problems, their formulations, --set keys and baselines")
    problems.add_argument("name", nargs="?", help="one problem (default: every problem)")
    problems.add_argument("--json", action="store_true", help="print JSON")

    _solve_arguments(command("solve", "solve one problem instance with one backend or baseline"))
    _bench_arguments(command("bench", "run a benchmark suite into a resumable store"))

    report = command("report", "write report.md, cells.csv and plots (and report.html) for a store")
    report.add_argument("store", help="store directory written by qseg bench")
    report.add_argument("--html", action="store_true", help="also write a self-contained report.html beside report.md")
    repair_argument(report)

    compare = command("compare", "compare two stores cell by cell: changes in gap, feasibility, time")
    compare.add_argument("run_a", metavar="RUN_A", help="store directory of the baseline run")
    compare.add_argument("run_b", metavar="RUN_B", help="store directory of the run compared with it (changes are B - A)")
    compare.add_argument("--out", metavar="DIR", help="also write compare.md, compare.json and compare.png into DIR")
    compare.add_argument("--force", action="store_true",
                         help="compare the cells that match even across schemas, suites or scoring settings")
    repair_argument(compare)

    _segment_arguments(command("segment", "RFM segmentation of invoice transactions (the Online Retail seed)"))

    demo = command("demo", "the seed notebook end to end on seed-000: demo.md, demo.html and figures")
    demo.add_argument("--out", default="demo-out", help="output folder")

    export = command("export", "export a model (lp, bqm, cqm) or a store (qoblib)")
    source = export.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="PROBLEM", help="problem to build (with --size/--seed/--data/--set)")
    source.add_argument("--store", help="store directory to export")
    export.add_argument("--format", required=True, help="lp, bqm or cqm for --model; qoblib for --store")
    export.add_argument("--out", help="output file (default: next to the input, or ./PROBLEM.FORMAT)")
    export.add_argument("--size", type=int, help="customers (default: per problem)")
    export.add_argument("--seed", type=int, default=0, help="instance seed")
    export.add_argument("--data", help="named dataset or instance file (default: generated)")
    export.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="problem parameter")
    export.add_argument("--formulation", help="QUBO formulation for bqm (default: the problem's first)")
    return parser


def _solve_arguments(solve: argparse.ArgumentParser) -> None:
    solve.add_argument("problem", help="knapsack, kmedoids, assignment or binning (see `qseg problems`)")
    solve.add_argument("--size", type=int, help="customers to generate, or the first N of seed-000 (default: per problem)")
    solve.add_argument("--seed", type=int, default=0, help="instance seed; the solver seed derives from it")
    solve.add_argument("--data", help="named dataset (seed-000), instance file, or FILE#NAME (default: generated)")
    solve.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="problem parameter or penalty option (budget_fraction=0.5, kappa=16; see `qseg problems NAME`)")
    solve.add_argument("--formulation", help="QUBO formulation, or cqm (default: per problem and backend)")
    method = solve.add_mutually_exclusive_group()
    method.add_argument("--backend", help=f"backend name, see `qseg backends` (default: {DEFAULT_BACKEND})")
    method.add_argument("--baseline", metavar="NAME",
                        help="the problem's own classical method instead of a backend: knapsack greedy|dp, kmedoids "
                             "fasterpam|pam|kmeans, assignment greedy, binning dp|de|uniform|percentile")
    solve.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="backend parameter (num_reads=100, seed=7, time_limit=10); penalty_tuning=true raises "
                            "penalty weights while no read is feasible")
    solve.add_argument("--polish", action="store_true", help="classical polish of decoded samples")
    solve.add_argument("--reference", action="store_true", help="compute (or look up) the exact optimum for the gap")
    solve.add_argument("--json", action="store_true", help="print exactly one JSON object")
    solve.add_argument("--out", metavar="DIR",
                       help="write the decision into DIR as CSV and decision.json (targeted customers, segments and "
                            "medoids, bins, or the plan)")
    solve.add_argument("--analysis", metavar="DIR",
                       help="(assignment) write KPIs, constraint table, budget sensitivity, plots and the plan CSV into DIR; "
                            "(binning) write bins.csv, bins.json and bins.png")
    max_qpu_s_argument(solve, "solves")


def max_qpu_s_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--max-qpu-s S`` (None: the spend guard's default) to ``parser``: the one cap on every
    command that can reach paid hardware."""
    parser.add_argument("--max-qpu-s", type=float, default=None, metavar="S",
                        help=f"refuse {what} whose estimated QPU/hybrid charge (Leap hybrid, QPU) exceeds S seconds "
                             "(default 60), before anything is submitted")


def repair_argument(parser: argparse.ArgumentParser, when: str = "") -> None:
    """Add ``--repair`` to ``parser``: the one flag of every command that reads a store's cells."""
    parser.add_argument("--repair", action="store_true",
                        help=f"{when}first move the lines of cells.jsonl that are no cell of this suite (damaged, "
                             "duplicated, another suite's) out of it, keeping the original beside it as cells.jsonl.orig-UTC")


def _bench_arguments(bench: argparse.ArgumentParser) -> None:
    bench.add_argument("suite", nargs="?", help="suite TOML (default: benchmarks/suites/default.toml)")
    bench.add_argument("--out", default="results/latest", help="store directory")
    bench.add_argument("--workers", type=int, help="local worker processes (default: cores)")
    bench.add_argument("--dask", metavar="ADDRESS", help="run cells on an existing Dask cluster")
    again = bench.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="run only the cells the store lacks")
    again.add_argument("--overwrite", action="store_true", help="discard the store and start again")
    bench.add_argument("--keep-samples", action="store_true", help="store raw samples, compressed")
    repair_argument(bench, "with --resume: ")
    max_qpu_s_argument(bench, "suites")
    bench.add_argument("--dry-run", action="store_true", help="list the cells and their estimated charge; submit nothing")


def _segment_arguments(segment: argparse.ArgumentParser) -> None:
    segment.add_argument("transactions", help="transactions CSV (Online Retail layout), or 'generated'")
    segment.add_argument("--k", default="2..10", help="segments K, or a range LOW..HIGH chosen by silhouette")
    segment.add_argument("--backend", default="tabu",
                         help="k-medoids QUBO backend (default: tabu, chosen by measurement: docs/segment-defaults.md)")
    segment.add_argument("--formulation", default="selection", help="k-medoids QUBO formulation")
    segment.add_argument("--candidates", help="candidate medoids: a number or 'all' (default: all to 500 customers, else 200)")
    segment.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="backend parameter")
    segment.add_argument("--no-polish", action="store_true", help="keep the backend's medoids without the PAM polish")
    segment.add_argument("--columns", help="column mapping for another layout: invoice:Order,customer:Client,...")
    segment.add_argument("--customers", type=int, default=1000, help="customers to generate (with 'generated')")
    segment.add_argument("--seed", type=int, default=0, help="seed of every fit, sample and generator")
    segment.add_argument("--resamples", type=int, default=30, help="bootstrap resamples for stability (0: none)")
    segment.add_argument("--stability-sample", type=int, default=2000,
                         help="customers drawn (with replacement) per bootstrap resample (all when fewer)")
    segment.add_argument("--jobs", type=int, default=1,
                         help="worker processes for the fits, their quality and the bootstrap refits")
    max_qpu_s_argument(segment, "segmentations (every bootstrap refit is a solve)")
    segment.add_argument("--assign", metavar="SEGMENTER", help="apply a saved segmenter.json to TRANSACTIONS instead")
    segment.add_argument("--out", help="output folder (required to fit; with --assign, default: print CSV)")

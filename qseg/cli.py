"""The ``qseg`` command, a thin layer over the public API (docs/architecture.md §5).

Errors go to stderr as one line naming the field and the value. Exit codes:

- 0: done (for ``bench``: at least one cell produced a result);
- 1: a failure: an infeasible model, a solver error, a skipped cell, a bench in which no cell
  produced a result, the reader of stdout gone (a broken pipe);
- 2: bad input (a value, a file, an output path), refused before any work: nothing is written;
- 74: an input/output error while writing (a full disk, a permission or a vanished folder; the
  line names the path). Outputs are written under a temporary name and renamed, so no partial
  file is left, and a store keeps every cell finished before (``--resume`` runs the rest);
- 130: interrupted (Ctrl-C); a store keeps every finished cell.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from qseg.errors import BadInputError, InfeasibleModelError, QsegError, UnknownNameError
from qseg.record import Status

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1
EXIT_IO_ERROR = 74  # EX_IOERR of sysexits.h: tells a full disk from a failed solve
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EPILOG = ("exit codes: 0 done; 1 failure (infeasible model, solver error, no cell of a bench produced a result); "
          "2 bad input (nothing written); 74 input/output error while writing (full disk, permission; the path is "
          "named, no partial file is left, a store resumes); 130 interrupted")
ANALYSED = ("assignment", "binning")  # the problems `qseg solve --analysis DIR` writes a folder for


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"qseg: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _key_values(pairs: Sequence[str], field: str) -> dict[str, str]:
    parsed: dict[str, str] = {}
    split: list[str] = []
    for item in pairs:
        # "a=1,b=2" is two settings; "revenue=30,40,50" is one list (the part after a comma
        # starts a new pair only when it has its own "=")
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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qseg", description="Compare quantum and classical solvers on customer problems.",
                     epilog=EPILOG)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("backends", help="list installed backends and whether they can run")
    listing.add_argument("--json", action="store_true", help="print a JSON list")

    solve = commands.add_parser("solve", help="solve one problem instance with one backend")
    solve.add_argument("problem", help="knapsack, kmedoids, assignment or binning")
    solve.add_argument("--size", type=int, help="customers to generate (or the first N of seed-000)")
    solve.add_argument("--seed", type=int, default=0, help="instance seed; the solver seed derives from it")
    solve.add_argument("--data", help="named dataset (seed-000), instance file, or FILE#NAME")
    solve.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="problem parameter or penalty option (budget_fraction=0.5, kappa=16)")
    solve.add_argument("--formulation", help="QUBO formulation, or cqm (default: per problem and backend)")
    solve.add_argument("--backend", default="sa", help="backend name (default sa); see `qseg backends`")
    solve.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="backend parameter (num_reads=100, seed=7, time_limit=10); penalty_tuning=true raises "
                            "penalty weights while no read is feasible")
    solve.add_argument("--polish", action="store_true", help="classical polish of decoded samples")
    solve.add_argument("--reference", action="store_true", help="compute (or look up) the exact optimum for the gap")
    solve.add_argument("--json", action="store_true", help="print exactly one JSON object")
    solve.add_argument("--analysis", metavar="DIR",
                       help="(assignment) write KPIs, constraint table, budget sensitivity, plots and the plan CSV into DIR; "
                            "(binning) write bins.csv, bins.json and bins.png")
    bench = commands.add_parser("bench", help="run a benchmark suite into a resumable store")
    bench.add_argument("suite", nargs="?", help="suite TOML (default: benchmarks/suites/default.toml)")
    bench.add_argument("--out", default="results/latest", help="store directory (default results/latest)")
    bench.add_argument("--workers", type=int, help="local worker processes (default: cores)")
    bench.add_argument("--dask", metavar="ADDRESS", help="run cells on an existing Dask cluster")
    again = bench.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="run only the cells the store lacks")
    again.add_argument("--overwrite", action="store_true", help="discard the store and start again")
    bench.add_argument("--keep-samples", action="store_true", help="store raw samples, compressed")
    bench.add_argument("--max-qpu-s", type=float, default=None,
                       help="refuse suites whose estimated QPU/hybrid charge exceeds S seconds (default 60)")
    bench.add_argument("--dry-run", action="store_true", help="list the cells and their estimated charge; submit nothing")
    report = commands.add_parser("report", help="write report.md, cells.csv and plots (and report.html) for a store")
    report.add_argument("store", help="store directory written by qseg bench")
    report.add_argument("--html", action="store_true", help="also write a self-contained report.html beside report.md")

    compare = commands.add_parser("compare", help="compare two stores cell by cell: changes in gap, feasibility, time")
    compare.add_argument("run_a", metavar="RUN_A", help="store directory of the baseline run")
    compare.add_argument("run_b", metavar="RUN_B", help="store directory of the run compared with it (changes are B - A)")
    compare.add_argument("--out", metavar="DIR", help="also write compare.md, compare.json and compare.png into DIR")
    compare.add_argument("--force", action="store_true",
                         help="compare the cells that match even across schemas, suites or scoring settings")

    segment = commands.add_parser("segment", help="RFM segmentation of invoice transactions (the Online Retail seed)")
    segment.add_argument("transactions", help="transactions CSV (Online Retail layout), or 'generated'")
    segment.add_argument("--k", default="2..10", help="segments K, or a range LOW..HIGH chosen by silhouette (default 2..10)")
    segment.add_argument("--backend", default="tabu",
                         help="backend of the k-medoids QUBO step (default tabu: docs/segment-defaults.md)")
    segment.add_argument("--formulation", default="selection", help="k-medoids QUBO formulation (default selection)")
    segment.add_argument("--candidates", help="candidate medoids: a number or 'all' (default: all to 500 customers, else 200)")
    segment.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="backend parameter")
    segment.add_argument("--no-polish", action="store_true", help="keep the backend's medoids without the PAM polish")
    segment.add_argument("--columns", help="column mapping for another layout: invoice:Order,customer:Client,...")
    segment.add_argument("--customers", type=int, default=1000, help="customers to generate (with 'generated')")
    segment.add_argument("--seed", type=int, default=0, help="seed of every fit, sample and generator")
    segment.add_argument("--resamples", type=int, default=30, help="bootstrap resamples for stability (0: none)")
    segment.add_argument("--stability-sample", type=int, default=2000,
                         help="customers drawn (with replacement) per bootstrap resample (default 2000; all when fewer)")
    segment.add_argument("--jobs", type=int, default=1,
                         help="worker processes for the fits, their quality and the bootstrap refits (default 1)")
    segment.add_argument("--assign", metavar="SEGMENTER", help="apply a saved segmenter.json to TRANSACTIONS instead")
    segment.add_argument("--out", help="output folder (required to fit; with --assign, default: print CSV)")

    demo = commands.add_parser("demo", help="the seed notebook end to end on seed-000: demo.md, demo.html and figures")
    demo.add_argument("--out", default="demo-out", help="output folder (default demo-out)")

    export = commands.add_parser("export", help="export a model (lp, bqm, cqm) or a store (qoblib)")
    source = export.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="PROBLEM", help="problem to build (with --size/--seed/--data/--set)")
    source.add_argument("--store", help="store directory to export")
    export.add_argument("--format", required=True, help="lp, bqm or cqm for --model; qoblib for --store")
    export.add_argument("--out", help="output file (default: next to the input, or ./PROBLEM.FORMAT)")
    export.add_argument("--size", type=int)
    export.add_argument("--seed", type=int, default=0)
    export.add_argument("--data")
    export.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    export.add_argument("--formulation")
    return parser


def _report(args: argparse.Namespace) -> int:
    from qseg.reports.report import write_report

    path = write_report(args.store, html=args.html)
    print(path)
    if args.html:
        print(path.with_name("report.html"))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from qseg.reports.compare import compare_runs
    from qseg.reports.compare_page import check_out, markdown_report, write_compare

    if args.out is not None:
        check_out(args.out)  # before reading either store
    comparison = compare_runs(args.run_a, args.run_b, force=args.force)
    # the files first: a reader that stops early (| head) must not cost them
    written = write_compare(comparison, args.out) if args.out is not None else []
    print(markdown_report(comparison))
    if written:
        print(f"wrote {', '.join(path.name for path in written)} to {args.out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qseg.files import check_output_file

    if args.store:
        from qseg.reports.qoblib import write_qoblib
        from qseg.store.folder import read_run

        if args.format != "qoblib":
            raise BadInputError("format", args.format, "a store exports as qoblib")
        read_run(args.store)
        print(write_qoblib(args.store, check_output_file("out", args.out or Path(args.store) / "qoblib.csv")))
        return 0
    import qseg
    from qseg.problems.export import check_model_format, export_model

    check_model_format(args.format)
    out = check_output_file("out", args.out or f"{args.model}.{args.format}")  # before the model is built
    settings = _key_values(args.set, "set")
    problem_params, _ = _split_settings(args.model, args.formulation, settings)
    problem = qseg.problem(args.model, size=args.size, seed=args.seed, data=args.data, **problem_params)
    print(export_model(problem, args.format, out, args.formulation))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from qseg.workflows.demo import check_out, run_demo, write_demo

    check_out(args.out)  # before any solve: a bad --out costs nothing
    result = run_demo(on_progress=lambda line: print(f"demo: {line}", file=sys.stderr))
    written = write_demo(result, args.out)
    for check in result.checks:
        found = "-" if check.found is None else f"{check.found:.3f}"
        print(f"{'ok' if check.ok else 'MISMATCH':<8} {check.what}: {found} (stated {check.expected:.3f})")
    print(f"wrote {', '.join(path.name for path in written)} to {args.out} in {result.seconds:.1f} s")
    if not result.reproduced:
        print("qseg: demo: an exact value of docs/architecture.md §8 was not reproduced", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _segment(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qseg.workflows.segment.limits import check_arguments

    if not args.assign:  # size knobs first: a refusal must not wait for scikit-learn and the backends
        check_arguments(args.k, args.candidates, args.customers, args.resamples, args.stability_sample, args.jobs,
                        generated=args.transactions == "generated")
    from qseg.workflows.segment.command import assign_command, segment_command
    from qseg.workflows.segment.steps import progress_for

    columns = args.columns
    if args.assign:
        return assign_command(Path(args.assign), args.transactions, columns, None if args.out is None else Path(args.out))
    if args.out is None:
        raise BadInputError("out", None, "name the output folder (--out DIR)")
    params = _key_values(args.param, "param")
    on_step, close = progress_for(sys.stderr)
    try:
        return segment_command(args.transactions, Path(args.out), k=args.k, backend=args.backend,
                               formulation=args.formulation, candidates=args.candidates, params=params,
                               polish=not args.no_polish, columns=columns, customers=args.customers, seed=args.seed,
                               resamples=args.resamples, stability_sample=args.stability_sample, jobs=args.jobs,
                               on_step=on_step)
    finally:
        close()


def _bench(args: argparse.Namespace) -> int:
    from qseg.harness.bench import DEFAULT_SUITE, run_bench, terminal_progress
    from qseg.harness.spend import DEFAULT_MAX_QPU_S, check_max_qpu_s, estimate_charges
    from qseg.harness.suite import load_suite

    suite_path = args.suite or DEFAULT_SUITE
    if args.workers is not None and args.workers < 1:
        raise BadInputError("workers", args.workers, "must be >= 1")
    max_qpu_s = check_max_qpu_s(DEFAULT_MAX_QPU_S if args.max_qpu_s is None else args.max_qpu_s)
    if args.dry_run:
        charges = estimate_charges(load_suite(suite_path))
        for charge in charges:
            cost = f"{charge.seconds:8.2f} s" if charge.note == "estimated" else f"{'0':>8} s ({charge.note})"
            print(f"{charge.cell.key}  {cost}  {charge.cell.label}")
        total = sum(charge.seconds for charge in charges)
        verdict = "within" if total <= max_qpu_s else "OVER"
        print(f"{len(charges)} cells; estimated QPU/hybrid charge {total:.2f} s ({verdict} --max-qpu-s {max_qpu_s:g})")
        return 0
    update, close = terminal_progress()
    try:
        result = run_bench(suite_path, args.out, workers=args.workers, resume=args.resume,
                           overwrite=args.overwrite, keep_samples=args.keep_samples, dask=args.dask,
                           on_progress=update, max_qpu_s=max_qpu_s)
    finally:
        close()
    counts = result.progress.statuses if result.progress else {}
    summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items())) or "nothing to run"
    print(f"{result.total} cells ({result.already} already stored): {summary} -> {result.store}")
    ran = sum(counts.get(status, 0) for status in (Status.OK, Status.INFEASIBLE, Status.INFEASIBLE_MODEL))
    if counts and not ran:
        # Every cell run now errored, timed out or was skipped: the run measured nothing.
        print(f"qseg: no cell of the {sum(counts.values())} run produced a result ({summary})", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _backends(args: argparse.Namespace) -> int:
    from qseg.backends import list_backends

    infos = list_backends()
    if args.json:
        print(json.dumps([info.to_dict() for info in infos]))
        return 0
    for info in infos:
        state = "available" if info.available else f"unavailable: {info.reason}"
        accepts = ",".join(info.accepts)
        exact = "exact" if info.exact else ""
        print(f"{info.name:<12} {accepts:<9} {exact:<6} {info.package or '?'} {info.version or ''}  {state}")
    return 0


def _split_settings(
    problem_name: str, formulation: str | None, settings: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    from qseg.problems import problem_class

    cls = problem_class(problem_name)
    penalty_keys = set().union(*cls.penalty_options.values()) if cls.penalty_options else set()
    known = set(cls.parameters) | penalty_keys
    for key in settings:
        if key not in known:
            raise UnknownNameError("set key", key, known)
    problem_params = {k: v for k, v in settings.items() if k in cls.parameters}
    penalties = {k: v for k, v in settings.items() if k not in cls.parameters}
    return problem_params, penalties


def _solve(args: argparse.Namespace) -> int:
    import qseg

    settings = _key_values(args.set, "set")
    params = _key_values(args.param, "param")
    problem_params, penalties = _split_settings(args.problem, args.formulation, settings)
    if args.analysis and args.problem not in ANALYSED:
        raise BadInputError("analysis", args.analysis, "only `qseg solve assignment` and `binning` have an analysis")
    if args.analysis:
        from qseg.files import check_output_dir

        check_output_dir("analysis", args.analysis)  # before the solve, which an unusable folder would waste
    problem = qseg.problem(args.problem, size=args.size, seed=args.seed, data=args.data, **problem_params)
    record, sampleset = qseg.solve(
        problem, args.backend, formulation=args.formulation, reference=args.reference,
        polish=args.polish, penalties=penalties, params=params, keep_sampleset=True,
    )
    if args.json:
        print(json.dumps(record.to_dict()))
    else:
        print(_summary(record.to_dict()))
    if record.status == Status.INFEASIBLE_MODEL:
        print(f"qseg: infeasible: {record.message}", file=sys.stderr)
        return EXIT_FAILURE
    if record.status in (Status.SKIPPED, Status.ERROR):
        print(f"qseg: {record.status}: {record.message}", file=sys.stderr)
        return EXIT_FAILURE
    if args.analysis:
        return _analysis(args, problem, sampleset)
    return 0


def _analysis(args: argparse.Namespace, problem: Any, sampleset: Any) -> int:
    pick, write, what = _analysis_steps(args.problem)
    chosen = pick(problem, sampleset, polish=args.polish) if sampleset is not None else None
    if chosen is None:
        print(f"qseg: analysis: no feasible {what} to analyse", file=sys.stderr)
        return EXIT_FAILURE
    written = write(problem, chosen, args.analysis)
    print(f"analysis   {len(written)} files in {args.analysis}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _analysis_steps(problem: str) -> tuple[Callable[..., Any], Callable[..., list[Any]], str]:
    """Return how ``--analysis`` picks the answer to analyse from a SampleSet, the writer of the
    analysis folder, and what the answer is called (imported only when asked for)."""
    if problem == "binning":
        from qseg.workflows.binning import best_bins, write_binning_analysis

        return best_bins, write_binning_analysis, "bins"
    from qseg.workflows.retention import best_actions, write_analysis

    return best_actions, write_analysis, "plan"


def _summary(r: dict[str, Any]) -> str:
    def number(value: Any, fmt: str = "{:.6g}") -> str:
        return "-" if value is None else fmt.format(value)

    reference = "-" if r["reference"] is None else (
        f"{r['reference']:.6g} ({r['reference_source']}, {'proven' if r['reference_proven'] else 'not proven'})"
    )
    return "\n".join(
        [
            f"{r['problem']} {r['instance']}: backend {r['backend']}, formulation {r['formulation']}, "
            f"{number(r['num_variables'], '{}')} variables",
            f"status     {r['status']}" + (f" ({r['message']})" if r["message"] else ""),
            f"objective  {number(r['objective'])} ({r['sense']})",
            f"reference  {reference}",
            f"gap        {number(r['gap'], '{:.4%}')}"
            + (f" after polish ({number(r['gap_raw'], '{:.4%}')} before)" if r["polished"] else ""),
            f"feasible   {number(r['feasible'], '{}')} ({number(r['feasible_fraction'], '{:.0%}')} of "
            f"{number(r['num_reads'], '{}')} reads)",
            f"wall       {number(r['wall_s'], '{:.3f}')} s",
            *_quantum_lines(r, number),
        ]
    )


def _quantum_lines(r: dict[str, Any], number: Any) -> list[str]:
    """Return the summary lines for embedded (QPU-like) and QAOA cells."""
    lines = []
    if r["physical_qubits"] is not None:
        lines.append(f"embedding  {r['physical_qubits']} qubits, chains up to {r['max_chain_length']} "
                     f"(mean {r['mean_chain_length']:.2f}), chain breaks {r['chain_break_fraction']:.3f}"
                     + (", timing simulated" if r["timing_simulated"] else ""))
    if r["shots"] is not None:
        control = r["details"].get("random_control") or {}
        lines.append(f"qaoa       p={r['reps']}, {r['shots']} shots, approximation ratio best "
                     f"{number(r['approximation_ratio_best'], '{:.4f}')} mean {number(r['approximation_ratio_mean'], '{:.4f}')}")
        if control:
            lines.append(f"control    optimum per shot: qaoa {number(r['success_probability'], '{:.4g}')}, uniform random "
                         f"{control['success_probability_per_shot']:.4g} ({control['method']})")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qseg`` command; return its exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    handlers = {"backends": _backends, "solve": _solve, "bench": _bench, "report": _report, "compare": _compare,
                "export": _export, "segment": _segment, "demo": _demo}
    try:
        return handlers[args.command](args)
    except BadInputError as exc:
        print(f"qseg: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfeasibleModelError as exc:
        print(f"qseg: infeasible: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except QsegError as exc:
        print(f"qseg: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        # The runner has already killed its workers (finally blocks); what is stored stays valid.
        print("qseg: interrupted; a store keeps every finished cell (--resume runs the rest)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_FAILURE  # the reader went away (| head): nothing more to say to it
    except OSError as exc:
        print(f"qseg: error: {_os_error_line(exc, args.command)}", file=sys.stderr)
        return EXIT_IO_ERROR


def _os_error_line(exc: OSError, command: str) -> str:
    """Return the one line an input/output error is reported as: the path, why, the errno name,
    and for ``bench`` that the store resumes."""
    import errno

    code = f" [{errno.errorcode[exc.errno]}]" if exc.errno is not None and exc.errno in errno.errorcode else ""
    reason = (exc.strerror or str(exc)).splitlines()[0] if (exc.strerror or str(exc)) else type(exc).__name__
    path = f"path={exc.filename}: " if exc.filename else ""
    after = "; the store keeps every finished cell (--resume runs the rest)" if command == "bench" else ""
    return f"{path}{reason}{code}{after}"


if __name__ == "__main__":
    sys.exit(main())

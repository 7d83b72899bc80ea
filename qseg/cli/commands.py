"""The ``qseg`` subcommands other than ``solve``: each takes the parsed arguments and returns
the exit status. Long ones announce their steps on stderr (``cli.progress``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TypedDict

from qseg.cli.parser import key_values
from qseg.cli.progress import Progress
from qseg.cli.solve import split_settings
from qseg.errors import BadInputError
from qseg.record import Status

EXIT_FAILURE = 1
STORE_INPUTS = ("cells.jsonl", "run.json")  # what `qseg export --store` reads from the store


class ProblemListing(TypedDict):
    """One problem as ``qseg problems --json`` prints it; ``baselines`` maps each baseline to the
    problem parameters (``--set`` keys) it honours."""

    name: str
    sense: str
    formulations: list[str]
    models: list[str]
    parameters: list[str]
    penalty_options: dict[str, list[str]]
    baselines: dict[str, list[str]]


def report_command(args: argparse.Namespace) -> int:
    """``qseg report STORE``: write the report; print its path(s)."""
    with Progress("report") as progress:
        progress.step(f"reading {args.store} and drawing the figures")
        from qseg.reports.report import write_report

        if args.repair:
            _repair(args.store)
        path = write_report(args.store, html=args.html)
    print(path)
    if args.html:
        print(path.with_name("report.html"))
    return 0


def compare_command(args: argparse.Namespace) -> int:
    """``qseg compare RUN_A RUN_B``: print the comparison (and write it with ``--out``)."""
    with Progress("compare") as progress:
        progress.step(f"reading {args.run_a} and {args.run_b}")
        from qseg.files import check_output_dir
        from qseg.reports.compare import compare_runs
        from qseg.reports.compare_page import markdown_report, write_compare

        if args.out is not None:
            check_output_dir("out", args.out)  # before reading either store
        if args.repair:
            for store in dict.fromkeys((args.run_a, args.run_b)):
                _repair(store)
        comparison = compare_runs(args.run_a, args.run_b, force=args.force)
        if args.out is not None:
            progress.step(f"writing {args.out}")
        # the files first: a reader that stops early (| head) must not cost them
        written = write_compare(comparison, args.out) if args.out is not None else []
    print(markdown_report(comparison))
    if written:
        print(f"wrote {', '.join(path.name for path in written)} to {args.out}")
    return 0


def export_command(args: argparse.Namespace) -> int:
    """``qseg export``: a model as lp/bqm/cqm, or a store as qoblib; print the file written."""
    from qseg.cli.decision import input_files
    from qseg.files import check_not_input, check_output_file

    if args.store:
        from qseg.reports.qoblib import write_qoblib
        from qseg.store.folder import read_run

        if args.format != "qoblib":
            raise BadInputError("format", args.format, "a store exports as qoblib")
        read_run(args.store)
        out = check_output_file("out", args.out or Path(args.store) / "qoblib.csv")
        check_not_input("out", out, [out], [Path(args.store) / name for name in STORE_INPUTS])
        print(write_qoblib(args.store, out))
        return 0
    import qseg
    from qseg.problems.export import check_model_format, export_model

    check_model_format(args.format)
    out = check_output_file("out", args.out or f"{args.model}.{args.format}")  # before the model is built
    check_not_input("out", out, [out], input_files(args.data))
    problem_params, _ = split_settings(args.model, args.formulation, key_values(args.set, "set"))
    problem = qseg.problem(args.model, size=args.size, seed=args.seed, data=args.data, **problem_params)
    print(export_model(problem, args.format, out, args.formulation))
    return 0


def demo_command(args: argparse.Namespace) -> int:
    """``qseg demo``: the seed notebook end to end; exit 1 when a stated value is not reproduced."""
    with Progress("demo") as progress:
        progress.step("loading the solvers")
        from qseg.files import check_output_dir
        from qseg.workflows.demo import run_demo, write_demo

        check_output_dir("out", args.out)  # before any solve: a bad --out costs nothing
        result = run_demo(on_progress=progress.step)
        progress.step(f"writing {args.out}")
        written = write_demo(result, args.out)
    for check in result.checks:
        found = "-" if check.found is None else f"{check.found:.3f}"
        print(f"{'ok' if check.ok else 'MISMATCH':<8} {check.what}: {found} (stated {check.expected:.3f})")
    print(f"wrote {', '.join(path.name for path in written)} to {args.out} in {result.seconds:.1f} s")
    if not result.reproduced:
        print("qseg: demo: an exact value of docs/architecture.md §8 was not reproduced", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def segment_command(args: argparse.Namespace) -> int:
    """``qseg segment``: fit segments into ``--out``, or apply a saved segmenter (``--assign``)."""
    from qseg.workflows.segment.limits import check_arguments

    if not args.assign:  # size knobs first: a refusal must not wait for scikit-learn and the backends
        check_arguments(args.k, args.candidates, args.customers, args.resamples, args.stability_sample, args.jobs,
                        generated=args.transactions == "generated")
    from qseg.workflows.segment.command import assign_command
    from qseg.workflows.segment.command import segment_command as run_segment
    from qseg.workflows.segment.steps import progress_for

    if args.assign:
        return assign_command(Path(args.assign), args.transactions, args.columns,
                              None if args.out is None else Path(args.out))
    if args.out is None:
        raise BadInputError("out", None, "name the output folder (--out DIR)")
    params = key_values(args.param, "param")
    # Per-step progress (plain lines off a terminal, rich on one) with each step's time.
    on_step, close = progress_for(sys.stderr)
    try:
        return run_segment(args.transactions, Path(args.out), k=args.k, backend=args.backend,
                           formulation=args.formulation, candidates=args.candidates, params=params,
                           polish=not args.no_polish, columns=args.columns, customers=args.customers,
                           seed=args.seed, resamples=args.resamples, stability_sample=args.stability_sample,
                           jobs=args.jobs, on_step=on_step, max_qpu_s=args.max_qpu_s)
    finally:
        close()


def _repair(store: str) -> None:
    """Move the bad lines out of ``store``'s cells.jsonl (``qseg.store.repair_cells``); say what was done on stderr."""
    from qseg.store import repair_cells

    print(f"qseg: repaired {repair_cells(store).describe()}", file=sys.stderr)


def bench_command(args: argparse.Namespace) -> int:
    """``qseg bench``: run a suite into a store (a rich bar on a terminal)."""
    from qseg.harness.bench import DEFAULT_SUITE, run_bench, terminal_progress
    from qseg.harness.spend import DEFAULT_MAX_QPU_S, check_max_qpu_s, estimate_charges
    from qseg.harness.suite import load_suite

    suite_path = args.suite or DEFAULT_SUITE
    if args.workers is not None and args.workers < 1:
        raise BadInputError("workers", args.workers, "must be >= 1")
    max_qpu_s = check_max_qpu_s(DEFAULT_MAX_QPU_S if args.max_qpu_s is None else args.max_qpu_s)
    if args.repair and not args.resume:
        raise BadInputError("repair", "--repair", "repairs a store being resumed; pass it with --resume")
    if args.dry_run:
        return _dry_run(estimate_charges(load_suite(suite_path)), max_qpu_s)
    update, close = terminal_progress()
    try:
        result = run_bench(suite_path, args.out, workers=args.workers, resume=args.resume,
                           overwrite=args.overwrite, keep_samples=args.keep_samples, dask=args.dask,
                           on_progress=update, max_qpu_s=max_qpu_s, repair=args.repair)
    finally:
        close()
    if result.repaired is not None:
        print(f"qseg: repaired {result.repaired.describe()}", file=sys.stderr)
    counts = result.progress.statuses if result.progress else {}
    summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items())) or "nothing to run"
    print(f"{result.total} cells ({result.already} already stored): {summary} -> {result.store}")
    ran = sum(counts.get(status, 0) for status in (Status.OK, Status.INFEASIBLE, Status.INFEASIBLE_MODEL))
    if counts and not ran:
        # Every cell run now errored, timed out or was skipped: the run measured nothing.
        print(f"qseg: no cell of the {sum(counts.values())} run produced a result ({summary})", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _dry_run(charges: list[Any], max_qpu_s: float) -> int:
    """Print one line per cell (its estimated charge, or why it has none) and the total against
    the cap; return 0. Offline, the cells the network would have to price are listed as ``?``."""
    import math

    for charge in charges:
        if math.isnan(charge.seconds):
            cost = f"{'?':>8} s ({charge.note})"
        elif charge.note.startswith("estimated"):
            cost = f"{charge.seconds:8.2f} s" + ("" if charge.note == "estimated" else f" ({charge.note})")
        else:
            cost = f"{'0':>8} s ({charge.note})"
        print(f"{charge.cell.key}  {cost}  {charge.cell.label}")
    known = [charge.seconds for charge in charges if not math.isnan(charge.seconds)]
    total = sum(known)
    unknown = len(charges) - len(known)
    verdict = "OVER" if total > max_qpu_s else ("unknown against" if unknown else "within")
    print(f"{len(charges)} cells; estimated QPU/hybrid charge {total:.2f} s"
          + (f" plus {unknown} cells without an estimate" if unknown else "")
          + f" ({verdict} --max-qpu-s {max_qpu_s:g})")
    return 0


def backends_command(args: argparse.Namespace) -> int:
    """``qseg backends``: list the backends and whether they can run."""
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


def problems_command(args: argparse.Namespace) -> int:
    """``qseg problems [NAME]``: each problem's sense, formulations, ``--set`` keys (problem
    parameters and penalty options per formulation) and baselines, as text or JSON."""
    from qseg.problems import problem_class, problem_names

    names = [args.name] if args.name else problem_names()
    listing: list[ProblemListing] = []
    for name in names:
        cls = problem_class(name)
        listing.append({
            "name": name, "sense": cls.sense, "formulations": list(cls.formulations),
            "models": ["cqm", *(["nl"] if cls.has_nl else [])], "parameters": list(cls.parameters),
            "penalty_options": {f: list(keys) for f, keys in cls.penalty_options.items()},
            "baselines": {b: sorted(set(cls.parameters) - set(cls.baseline_ignores.get(b, ())))
                          for b in cls.baseline_names},
        })
    if args.json:
        print(json.dumps(listing if not args.name else listing[0]))
        return 0
    for entry in listing:
        print(f"{entry['name']} ({entry['sense']})")
        print(f"  formulations  {', '.join(entry['formulations'])} (default {entry['formulations'][0]}); "
              f"models {', '.join(entry['models'])}")
        print(f"  --set         {', '.join(entry['parameters'])}")
        for formulation, keys in entry["penalty_options"].items():
            print(f"  --set ({formulation} penalties)  {', '.join(keys)}")
        for baseline, keys in entry["baselines"].items():
            ignored = sorted(set(entry["parameters"]) - set(keys))
            print(f"  --baseline {baseline}" + (f"  (refuses --set {', '.join(ignored)})" if ignored else ""))
    return 0

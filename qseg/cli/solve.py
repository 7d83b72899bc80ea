"""``qseg solve``: one problem with one backend or one of its own baselines; the summary (or one
JSON object), the decision in a few lines, and with ``--out`` the decision as files."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from qseg.cli.parser import DEFAULT_BACKEND, key_values
from qseg.cli.progress import Progress
from qseg.errors import BadInputError, UnknownNameError
from qseg.record import Record, Status

EXIT_FAILURE = 1
ANALYSED = ("assignment", "binning")  # the problems `qseg solve --analysis DIR` writes a folder for


def split_settings(problem_name: str, formulation: str | None, settings: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Return ``--set`` split into (problem parameters, penalty options); UnknownNameError for a
    key that is neither."""
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


def check_baseline_options(args: argparse.Namespace, problem_params: dict[str, str], penalties: dict[str, str]) -> None:
    """Raise BadInputError naming the first option a baseline does not honour: a penalty option,
    a problem parameter the baseline ignores (``Problem.baseline_ignores``), or a backend's
    option (``--formulation``, ``--param``, ``--polish``)."""
    from qseg.problems import problem_class

    name = args.baseline
    for key in penalties:
        raise BadInputError("set", key, f"a penalty option; baseline {name!r} builds no QUBO")
    ignored = problem_class(args.problem).baseline_ignores.get(name, ())
    for key in problem_params:
        if key in ignored:
            raise BadInputError("set", key, f"baseline {name!r} does not honour it (see `qseg problems {args.problem}`)")
    for field, value in (("formulation", args.formulation), ("param", args.param or None), ("polish", args.polish or None)):
        if value is not None:
            raise BadInputError(field, value, f"a backend option; baseline {name!r} takes none")


def solve_command(args: argparse.Namespace) -> int:
    """Run ``qseg solve``; return its exit status."""
    with Progress("solve") as progress:
        progress.step(f"building {args.problem}" + (f" from {args.data}" if args.data else ""))
        return _solve(args, progress)


def _solve(args: argparse.Namespace, progress: Progress) -> int:
    import qseg
    from qseg.cli.decision import check_out, decision_of, write_decision

    _max_qpu_s(args)  # a bad cap is refused before the problem is built
    settings = key_values(args.set, "set")
    params = key_values(args.param, "param")
    problem_params, penalties = split_settings(args.problem, args.formulation, settings)
    if args.baseline is not None:
        check_baseline_options(args, problem_params, penalties)
    if args.analysis and args.problem not in ANALYSED:
        raise BadInputError("analysis", args.analysis, "only `qseg solve assignment` and `binning` have an analysis")
    if args.analysis:
        check_out(args.analysis, args.data, "analysis")  # before the solve, which an unusable folder would waste
    if args.out:
        check_out(args.out, args.data)
        if args.analysis and _same_folder(args.out, args.analysis):
            # both write bins.csv, with different columns: one would silently replace the other
            raise BadInputError("out", args.out, "is also the --analysis folder; give them different folders")
    problem = qseg.problem(args.problem, size=args.size, seed=args.seed, data=args.data, **problem_params)
    if args.baseline is not None and args.baseline not in problem.baselines():
        raise UnknownNameError("baseline", args.baseline, problem.baselines())
    reference_note = _reference(problem, args.reference, progress)
    if args.baseline is not None:
        progress.step(f"solving with the {args.baseline} baseline")
        record, sampleset = qseg.solve_baseline(problem, args.baseline, reference=args.reference, keep_sampleset=True)
    else:
        backend = args.backend or DEFAULT_BACKEND
        progress.step(f"solving with {backend}")
        record, sampleset = qseg.solve(
            problem, backend, formulation=args.formulation, reference=args.reference,
            polish=args.polish, penalties=penalties, params=params, keep_sampleset=True, max_qpu_s=_max_qpu_s(args),
        )
    solved = record.status not in (Status.INFEASIBLE_MODEL, Status.SKIPPED, Status.ERROR)
    decision = decision_of(problem, sampleset, polish=args.polish) if solved and record.feasible else None
    progress.close()
    total_s = progress.seconds()
    if args.json:
        print(json.dumps(record.to_dict()))
    else:
        print(summary(record, reference_note=reference_note, total_s=total_s))
        for line in decision.lines if decision is not None else ():
            print(line)
    if record.status == Status.INFEASIBLE_MODEL:
        print(f"qseg: infeasible: {record.message}", file=sys.stderr)
        return EXIT_FAILURE
    if record.status in (Status.SKIPPED, Status.ERROR):
        print(f"qseg: {record.status}: {record.message}", file=sys.stderr)
        return EXIT_FAILURE
    notes = sys.stderr if args.json else sys.stdout
    if args.out:
        if decision is None:
            print(f"qseg: out: no feasible answer to write to {args.out}", file=sys.stderr)
            return EXIT_FAILURE
        written = write_decision(decision, record, args.out)
        print(f"decision   {', '.join(path.name for path in written)} in {args.out}", file=notes)
    if args.analysis:
        return _analysis(args, problem, sampleset, notes)
    return 0


def _max_qpu_s(args: argparse.Namespace) -> float:
    """Return the spend guard's cap: ``--max-qpu-s`` checked, or its default."""
    from qseg.solving.charges import DEFAULT_MAX_QPU_S, check_max_qpu_s

    return check_max_qpu_s(DEFAULT_MAX_QPU_S if getattr(args, "max_qpu_s", None) is None else args.max_qpu_s)


def _same_folder(first: str, second: str) -> bool:
    from pathlib import Path

    return Path(first).expanduser().absolute().resolve() == Path(second).expanduser().absolute().resolve()


def _reference(problem: Any, wanted: bool, progress: Progress) -> str | None:
    """Look up (or compute, announced) the reference before the solve so that its time is known;
    return the note the summary gives it: its seconds, ``cached``, or None (a published or the
    problem's own optimum, or none asked for). A failing exact solve is left to the solve, whose
    record then says why."""
    if not wanted:
        return None
    import time

    from qseg.solving.reference import needs_exact_solve, reference_for

    if problem.best_known is not None or problem.native_optimum() is not None:
        return None
    if not needs_exact_solve(problem):
        return "cached"
    progress.step("reference: solving exactly with cbc (cached for the next run; this can take a while)")
    started = time.perf_counter()
    try:
        reference_for(problem)
    except Exception:  # noqa: BLE001 - the solve looks it up again and records why it failed
        return None
    return f"{time.perf_counter() - started:.1f} s"


def _analysis(args: argparse.Namespace, problem: Any, sampleset: Any, notes: Any) -> int:
    pick, write, what = _analysis_steps(args.problem)
    chosen = pick(problem, sampleset, polish=args.polish) if sampleset is not None else None
    if chosen is None:
        print(f"qseg: analysis: no feasible {what} to analyse", file=sys.stderr)
        return EXIT_FAILURE
    written = write(problem, chosen, args.analysis)
    print(f"analysis   {len(written)} files in {args.analysis}", file=notes)
    return 0


def _analysis_steps(problem: str) -> tuple[Callable[..., Any], Callable[..., list[Any]], str]:
    """Return how ``--analysis`` picks the answer to analyse from a SampleSet, the writer of the
    analysis folder, and what the answer is called (imported only when asked for)."""
    if problem == "binning":
        from qseg.workflows.binning import best_bins, write_binning_analysis

        return best_bins, write_binning_analysis, "bins"
    from qseg.workflows.retention import best_actions, write_analysis

    return best_actions, write_analysis, "plan"


def summary(r: Record, *, reference_note: str | None = None, total_s: float | None = None) -> str:
    """Return the text summary of a record: status, objective, reference (with its solve time or
    ``cached``), gap, feasibility, the solver's own wall time and the command's total."""
    def number(value: Any, fmt: str = "{:.6g}") -> str:
        return "-" if value is None else fmt.format(value)

    reference = "-" if r.reference is None else (
        f"{r.reference:.6g} ({r.reference_source}, {'proven' if r.reference_proven else 'not proven'}"
        + (f", {reference_note})" if reference_note else ")")
    )
    build = r.timing.get("build_ns")
    wall = f"{number(r.wall_s, '{:.3f}')} s, the solver's run alone" + (
        f" (model build {build / 1e9:.3f} s apart)" if build else "")
    lines = [
        f"{r.problem} {r.instance}: backend {r.backend}, formulation {r.formulation}, "
        f"{number(r.num_variables, '{}')} variables",
        f"status     {r.status.value}" + (f" ({r.message})" if r.message else ""),
        f"objective  {number(r.objective)} ({r.sense})",
        f"reference  {reference}",
        f"gap        {number(r.gap, '{:.4%}')}"
        + (f" after polish ({number(r.gap_raw, '{:.4%}')} before)" if r.polished else ""),
        f"feasible   {number(r.feasible, '{}')} ({number(r.feasible_fraction, '{:.0%}')} of "
        f"{number(r.num_reads, '{}')} reads)",
        f"wall       {wall}",
    ]
    if total_s is not None:
        lines.append(f"total      {total_s:.3f} s, the whole command: data, model, reference, solve and scoring")
    return "\n".join([*lines, *_quantum_lines(r, number)])


def _quantum_lines(r: Record, number: Callable[..., str]) -> list[str]:
    """Return the summary lines for embedded (QPU-like) and QAOA cells."""
    lines = []
    if r.physical_qubits is not None:
        lines.append(f"embedding  {r.physical_qubits} qubits, chains up to {r.max_chain_length} "
                     f"(mean {r.mean_chain_length:.2f}), chain breaks {r.chain_break_fraction:.3f}"
                     + (", timing simulated" if r.timing_simulated else ""))
    if r.shots is not None:
        facts = r.solver_details()
        control = facts["random_control"] if "random_control" in facts else None
        lines.append(f"qaoa       p={r.reps}, {r.shots} shots, approximation ratio best "
                     f"{number(r.approximation_ratio_best, '{:.4f}')} mean {number(r.approximation_ratio_mean, '{:.4f}')}")
        if control:
            lines.append(f"control    optimum per shot: qaoa {number(r.success_probability, '{:.4g}')}, uniform random "
                         f"{control['success_probability_per_shot']:.4g} ({control['method']})")
    return lines

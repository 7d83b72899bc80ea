"""``qseg segment`` and ``qseg segment --assign``: argument checks first (bad input exits 2
before anything is read or written), then the pipeline and its artefacts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qseg.backends.registry import load_backend
from qseg.data.rfm import (
    FEATURES,
    Scaler,
    clean_transactions,
    customer_features,
    generated_rfm_and_rows,
    parse_column_mapping,
    read_transactions,
)
from qseg.errors import BadInputError, ModelTooLargeError, UnknownNameError
from qseg.files import check_not_input, check_output_dir
from qseg.problems.kmedoids.problem import KMedoidsProblem
from qseg.solving.charges import DEFAULT_MAX_QPU_S, check_max_qpu_s, estimate_charge_s, refuse_over_cap
from qseg.workflows.segment.artefacts import ARTEFACTS, write_assignments, write_segments
from qseg.workflows.segment.limits import check_request
from qseg.workflows.segment.pipeline import GENERATED, SegmentRequest, fit_segments, load_transactions, parse_ks
from qseg.workflows.segment.quality import STABILITY_SAMPLE
from qseg.workflows.segment.qubo_route import QuboRoute
from qseg.workflows.segment.segmenter import Segmenter
from qseg.workflows.segment.steps import OnStep, Steps


def segment_command(transactions: str, out: Path, *, k: str, backend: str, formulation: str, candidates: str | None,
                    params: Mapping[str, Any], polish: bool, columns: str | None, customers: int, seed: int,
                    resamples: int, stability_sample: int = STABILITY_SAMPLE, jobs: int = 1,
                    on_step: OnStep | None = None, max_qpu_s: float | None = None) -> int:
    """Run the segmentation workflow on ``transactions`` into ``out`` (with ``generated``, the
    generated rows too, as ``transactions.csv``), reporting each step to ``on_step``; print the
    summary path and return 0. Every size knob is checked against ``limits`` before the
    transactions are read. On a paid backend every solve it will submit (the fit and each
    bootstrap refit) is estimated first and the total refused over ``max_qpu_s`` (default
    ``DEFAULT_MAX_QPU_S``) before any submission."""
    cap = check_max_qpu_s(DEFAULT_MAX_QPU_S if max_qpu_s is None else max_qpu_s)
    check_output_dir("out", out)
    if transactions != GENERATED:
        # every file segment writes or removes as stale (ARTEFACTS), against the input
        check_not_input("out", out, [Path(out) / name for name in ARTEFACTS], [transactions])
    if transactions == GENERATED and columns:
        raise BadInputError("columns", columns, "generated transactions have the Online Retail layout")
    for field, value, low in (("customers", customers, 3), ("seed", seed, 0), ("resamples", resamples, 0)):
        if value < low:
            raise BadInputError(field, value, f"must be a whole number >= {low}")
    chosen_candidates: int | str | None = candidates
    if candidates is not None and candidates != "all":
        try:
            chosen_candidates = int(candidates)
        except ValueError:
            raise BadInputError("candidates", candidates, "expected a whole number or 'all'") from None
        if chosen_candidates < 1:
            raise BadInputError("candidates", candidates, "must be 'all' or a whole number >= 1")
    # Names are checked before the transactions are read: a typo must not cost the model selection.
    load_backend(backend)
    if formulation not in KMedoidsProblem.formulations:
        raise UnknownNameError("formulation", formulation, KMedoidsProblem.formulations)
    route = QuboRoute(backend=backend, formulation=formulation, candidates=chosen_candidates, params=dict(params),
                      polish=polish, max_qpu_s=cap)
    request = SegmentRequest(transactions=transactions, ks=parse_ks(k), route=route, seed=seed, customers=customers,
                             columns=parse_column_mapping(columns) if columns else None, resamples=resamples,
                             stability_sample=stability_sample, jobs=jobs)
    check_request(request, generated=transactions == GENERATED)
    steps = Steps(on_step)
    generated = None  # generated rows are drawn once: fitted, then written for --assign to try
    with steps.step("load"):
        if transactions == GENERATED:
            data, generated = generated_rfm_and_rows(customers, seed)
        else:
            data = load_transactions(request)
    guard_segment_spend(request, data.scaled, cap)
    result = fit_segments(request, data, steps)
    with steps.step("write"):
        written = write_segments(result, out, generated)
    print(next(path for path in written if path.name == "segment.md"))
    return 0


def assign_command(segmenter_path: Path, transactions: str, columns: str | None, out: Path | None) -> int:
    """Apply the saved segmenter to the customers of ``transactions``: their features scaled with
    the segmenter's own scaler (never refitted), each assigned its nearest medoid. Print the CSV
    (or write ``out``/assignments.csv and print its path); return 0."""
    if out is not None:
        check_output_dir("out", out)
        check_not_input("out", out, [Path(out) / "assignments.csv"], [transactions, segmenter_path])
    segmenter = Segmenter.load(segmenter_path)
    if tuple(segmenter.features) != FEATURES:
        raise BadInputError("features", list(segmenter.features), f"this qseg computes {', '.join(FEATURES)}")
    scaler = Scaler.from_json(segmenter.scaling)
    path = Path(transactions).expanduser()
    if not path.is_file():
        raise BadInputError("transactions", transactions, "no such file")
    clean, _ = clean_transactions(read_transactions(path, parse_column_mapping(columns) if columns else None))
    features = customer_features(clean)
    text = write_assignments(segmenter, features, scaler.transform(features), out)
    print(out / "assignments.csv" if out is not None else text, end="\n" if out is not None else "")
    return 0


def guard_segment_spend(request: SegmentRequest, points: Any, max_qpu_s: float) -> None:
    """Raise BadInputError naming ``--max-qpu-s`` when the solves the segmentation will submit to
    a paying backend are estimated over ``max_qpu_s``: the fit at the largest K asked for, and
    one refit per bootstrap resample (model selection among the Ks is classical, no solve), each
    times penalty tuning's attempts when asked. Nothing has been submitted when it raises."""
    from qseg.problems.kmedoids.spec import from_points
    from qseg.solving.solve import build_model
    from qseg.solving.tuning import solves_per_cell, tuning_flag

    backend = load_backend(request.route.backend)
    if not backend.charges or backend.unavailable_reason():
        return  # free, or skipped by the solve with the reason
    params = dict(request.route.params)
    tuned = tuning_flag(params.pop("penalty_tuning", False))
    candidates = request.route.candidates
    problem = from_points(points, max(request.ks), {} if candidates is None else {"candidates": candidates},
                          instance=f"segment-n{len(points)}", seed=request.seed)
    model, _ = build_model(problem, request.route.formulation)
    resolved = backend.resolve_params(params)
    try:
        backend.check_model(model, resolved)
    except ModelTooLargeError:
        return  # the solve skips it, submitting nothing
    solves = (1 + request.resamples) * solves_per_cell(tuned)
    refuse_over_cap(estimate_charge_s(backend, model, resolved, solves=solves), max_qpu_s,
                    f"{solves} {backend.name} solves (the fit and {request.resamples} bootstrap refits"
                    + (", each tuned" if tuned else "") + ")")

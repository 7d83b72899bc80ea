"""The demo's short sections beyond the notebook: propensity binning (the Smart Segment seed's
problem) and the RFM workflow (the Online Retail seed's), each on generated data."""

from __future__ import annotations

from qseg.errors import SolverError
from qseg.problems import build_problem
from qseg.problems.binning.problem import BinningProblem
from qseg.record import Record, Status
from qseg.solving.solve import solve, solve_baseline
from qseg.workflows.demo.results import BinningRun, DemoSettings, MethodRow, RfmRun
from qseg.workflows.demo.rows import SA, gap_to, note, raw_fraction, raw_objective, sa_params, seconds
from qseg.workflows.segment.artefacts import comparison_table
from qseg.workflows.segment.pipeline import GENERATED, SegmentRequest, fit_segments, load_transactions
from qseg.workflows.segment.qubo_route import QuboRoute

BINNING_SEED = 0
RFM_K = 4  # the notebook's K; the RFM seed would pick it by silhouette over 2..10
BINNING_BASELINES = (("uniform", "equal-width bands"), ("percentile", "equal-count bands"),
                     ("de", "differential evolution (the seed's method)"))


def run_binning(settings: DemoSettings) -> BinningRun:
    """Return the BinningRun on ``settings.binning_customers`` generated customers (default bins,
    revenue and cost): the exact DP, HiGHS on the CQM, ``sa`` on the domain-wall QUBO (raw and
    polished) and the classical baselines. Raises SolverError when the DP finds no binning."""
    problem = build_problem("binning", size=settings.binning_customers, seed=BINNING_SEED, data=None, params={})
    assert isinstance(problem, BinningProblem)
    exact = solve_baseline(problem, "dp")
    if exact.status != Status.OK or exact.objective is None:
        raise SolverError(f"the binning DP found no feasible binning: {note(exact)}")
    optimum = float(exact.objective)

    def row(record: Record, key: str, method: str, kind: str, *, raw: bool = False, extra: str = "") -> MethodRow:
        objective = raw_objective(record) if raw else record.objective
        qubo = kind == "qubo"
        failed = note(record) if record.status not in (Status.OK, Status.INFEASIBLE) else ""
        notes = "; ".join(part for part in (extra, failed or ("infeasible" if objective is None else "")) if part)
        return MethodRow(
            key=key, method=method, kind=kind, status=str(record.status if objective is not None else Status.INFEASIBLE),
            customers=problem.size, variables=record.num_variables if kind != "baseline" else None, objective=objective,
            gap=gap_to(problem, objective, optimum), feasible=objective is not None,
            feasible_fraction=(raw_fraction(record) if raw else record.feasible_fraction) if qubo else None,
            seconds=seconds(record, without_polish=raw), note=notes,
        )

    rows = [row(exact, "dp", "exact DP", "exact"), row(solve(problem, "highs"), "highs", "HiGHS (CQM)", "exact")]
    annealed = solve(problem, SA, polish=True, params=sa_params(settings.num_reads, settings.num_sweeps))
    rows.append(row(annealed, "sa/domain_wall", "sa / domain_wall", "qubo", raw=True))
    rows.append(row(annealed, "sa/domain_wall+polish", "sa / domain_wall + polish", "qubo"))
    for name, what in BINNING_BASELINES:
        rows.append(row(solve_baseline(problem, name), name, name, "baseline", extra=what))
    return BinningRun(instance=problem.instance, customers=problem.size, bins=problem.rules.k, optimum=optimum, rows=tuple(rows))


def run_rfm(settings: DemoSettings) -> RfmRun:
    """Return the RfmRun: ``qseg segment generated`` at K = 4 on ``settings.rfm_customers``
    customers, the QUBO route (sa on ``selection`` with ``settings.rfm_reads`` reads, polish and
    refinement) beside KMeans, GMM, FasterPAM and HDBSCAN, each with bootstrap stability over
    ``settings.rfm_resamples`` resamples."""
    route = QuboRoute(params={"num_reads": settings.rfm_reads})
    request = SegmentRequest(transactions=GENERATED, ks=(RFM_K,), route=route, customers=settings.rfm_customers,
                             resamples=settings.rfm_resamples)
    data = load_transactions(request)
    result = fit_segments(request, data)
    return RfmRun(customers=len(data.scaled), k=result.k, resamples=settings.rfm_resamples, reads=settings.rfm_reads,
                  table=comparison_table(result))

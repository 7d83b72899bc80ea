"""The typed results of ``qseg demo``: settings, one row per method, one section per part of the
seed notebook, and the checks against the exact values docs/architecture.md §8 states for ``seed-000``.

Every number the page shows is a field here; ``page`` and ``plots`` only format and draw them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# docs/architecture.md §8: the exact optima of seed-000 (targeting at the notebook's budget 2000, p-median K = 4).
TARGETING_OPTIMUM = 1140.593
PMEDIAN_OPTIMUM = 323.852
CHECK_TOLERANCE = 5e-4  # both values are stated to three decimals


@dataclass(frozen=True)
class DemoSettings:
    """What the demo runs: simulated-annealing reads and sweeps for the knapsack and N-variable
    k-medoids QUBOs, the binding budget fraction, the prefix of seed-000 the notebook's
    N² + N-variable assignment QUBO is solved on (and its reads), the exact backends, and the
    sizes of the binning and RFM sections. ``quick()`` is the test's fast path: the same exact
    references, fewer reads and smaller side instances."""

    num_reads: int = 100
    num_sweeps: int = 1000
    binding_fraction: float = 0.5
    assignment_prefix: int = 30
    assignment_reads: int = 100
    targeting_exact: str = "cbc"
    pmedian_exact: str = "highs"
    binning_customers: int = 2000
    rfm_customers: int = 300
    rfm_reads: int = 20
    rfm_resamples: int = 3
    quick: bool = False

    @classmethod
    def quick_settings(cls) -> DemoSettings:
        """Return the test's settings: exact references on the full seed-000, 10 reads of 200
        sweeps, a 12-customer assignment prefix, 500 binning and 120 RFM customers."""
        return cls(num_reads=10, num_sweeps=200, assignment_prefix=12, assignment_reads=10, binning_customers=500,
                   rfm_customers=120, rfm_reads=5, rfm_resamples=2, quick=True)


@dataclass(frozen=True, kw_only=True)
class MethodRow:
    """One method's answer in a section's table. ``key`` names the method across every figure
    (its colour); ``kind`` is ``exact``, ``baseline`` or ``qubo``; ``objective`` is the best
    feasible read's (None when no read was feasible), ``gap`` relative to the section's exact
    optimum on the same customers (0 = optimal); ``feasible_fraction`` the share of feasible
    reads (None for one-answer methods); ``seconds`` the method's whole time (model build,
    solve, evaluation; the polish for polished rows); ``note`` what a reader must know."""

    key: str
    method: str
    kind: str
    status: str
    customers: int
    variables: int | None
    objective: float | None
    gap: float | None
    feasible: bool
    feasible_fraction: float | None
    seconds: float
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class TargetingRow(MethodRow):
    """A targeting answer with the spend and profit of the read shown (the best feasible read,
    else the lowest-energy one, so an over-budget answer is drawn where it lies) and how many
    customers it targets."""

    spend: float
    profit: float
    targeted: int


@dataclass(frozen=True, kw_only=True)
class MedoidRow(MethodRow):
    """A k-medoids answer with its medoids (customer indices, ascending; empty when none) and
    the p-median cost of the read shown."""

    medoids: tuple[int, ...]
    cost: float | None


@dataclass(frozen=True)
class TargetingRun:
    """Targeting at one budget: its label (and a short one for figures and column headers), the
    budget, the exact optimum, every method's row and the exact answer's targeted customers
    (indices into seed-000)."""

    label: str
    short: str
    budget: float
    optimum: float
    rows: tuple[TargetingRow, ...]
    targeted: np.ndarray


@dataclass(frozen=True)
class KMedoidsRun:
    """k-medoids on seed-000 (K medoids among all customers) and the notebook's assignment QUBO on
    the first ``prefix`` customers: the exact costs of both, the rows of each, and the exact
    clusters of each (every customer's index into that exact answer's medoids)."""

    k: int
    optimum: float
    rows: tuple[MedoidRow, ...]
    clusters: np.ndarray
    prefix: int
    prefix_optimum: float
    prefix_rows: tuple[MedoidRow, ...]
    prefix_clusters: np.ndarray
    full_assignment_variables: int


@dataclass(frozen=True)
class BinningRun:
    """Propensity binning on generated customers: the instance, bins, the exact (DP) revenue and
    every method's row."""

    instance: str
    customers: int
    bins: int
    optimum: float
    rows: tuple[MethodRow, ...]


@dataclass(frozen=True)
class RfmRun:
    """The RFM workflow on generated invoices: customers after cleaning, K, the bootstrap
    resamples and ``qseg.workflows.segment.artefacts.comparison_table``'s frame (one row per method)."""

    customers: int
    k: int
    resamples: int
    reads: int
    table: pd.DataFrame


@dataclass(frozen=True)
class Check:
    """One value the demo must reproduce: what, the stated value, the value found."""

    what: str
    expected: float
    found: float | None

    @property
    def ok(self) -> bool:
        """Return whether the found value equals the stated one to its three decimals."""
        return self.found is not None and abs(self.found - self.expected) <= CHECK_TOLERANCE


@dataclass(frozen=True)
class DemoResult:
    """The whole demo: settings, seed-000's customers (features x1..x3, cost, profit), the
    notebook's k-means segments, targeting at each budget, k-medoids, binning, RFM, the checks
    and the wall time of the run."""

    settings: DemoSettings
    customers: pd.DataFrame
    segments: np.ndarray
    targeting: tuple[TargetingRun, ...]
    kmedoids: KMedoidsRun
    binning: BinningRun
    rfm: RfmRun
    checks: tuple[Check, ...] = field(default=())
    seconds: float = 0.0

    @property
    def reproduced(self) -> bool:
        """Return whether every check holds."""
        return all(check.ok for check in self.checks)

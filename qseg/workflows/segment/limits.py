"""Size limits of ``qseg segment``, checked before the work they bound: a size knob that cannot
fit is refused with one line holding the estimate and the limit (``BadInputError``, exit 2),
before anything is read, generated or written when the knob alone decides, else right after the
customers are counted and before any fit.

The estimates are stated rules, not measurements of this run:

* ``--resamples`` and the customers per resample: the draws are held at once (8 bytes a drawn
  customer) and every resample refits the five methods; the refits are estimated at
  ``REFIT_SECONDS_PER_1000`` seconds per 1,000 drawn customers per method (measured on the
  2-core machine of docs/segment-defaults.md, 2,000-customer resamples).
* ``--k``: model selection fits a 10-start KMeans per K over every customer, so the range is
  bounded (``MAX_K_VALUES``); the QUBO route picks K medoids among its candidates, so K is at
  most the candidates.
* ``--candidates``: the route holds the M x N candidate-to-customer distances (8 bytes each) and
  a QUBO of M(M-1)/2 interactions (``QUBO_BYTES_PER_INTERACTION``, dimod's dense adjacency and
  the sampler's copy); their sum must fit in ``MEMORY_FRACTION`` of the memory available.
* ``--customers`` (generated): the generator's rows, about ``GENERATED_BYTES_PER_CUSTOMER``.
* ``--jobs``: at most the machine's cores: more processes than cores cannot help.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from qseg.environment import available_memory
from qseg.errors import BadInputError
from qseg.problems.base import MEMORY_FRACTION
from qseg.problems.kmedoids.candidates import default_candidates

METHODS = 5
MAX_RESAMPLES = 1_000
MIN_STABILITY_SAMPLE = 10
MAX_STABILITY_SAMPLE = 100_000
# Seconds per 1,000 drawn customers per method refit (the five methods' mean, measured).
REFIT_SECONDS_PER_1000 = 0.1
# The longest stability the command takes on: past this, fewer resamples or a smaller sample.
MAX_STABILITY_SECONDS = 4 * 3600
MAX_K_VALUES = 50
QUBO_BYTES_PER_INTERACTION = 48
GENERATED_BYTES_PER_CUSTOMER = 12_000
# Memory assumed when the memory available cannot be read.
FALLBACK_MEMORY = 4 << 30


class SizedRequest(Protocol):
    """The fields of a segment request (``pipeline.SegmentRequest``) the limits read."""

    @property
    def ks(self) -> tuple[int, ...]:
        """The K values."""

    @property
    def customers(self) -> int:
        """Customers to generate."""

    @property
    def resamples(self) -> int:
        """Bootstrap resamples."""

    @property
    def stability_sample(self) -> int:
        """Customers drawn per resample."""

    @property
    def jobs(self) -> int:
        """Worker processes."""

    @property
    def candidates(self) -> int | str | None:
        """The route's candidates (None: the default)."""


@dataclass(frozen=True)
class SegmentSizes:
    """The size knobs of one ``qseg segment`` run, as ``check_request`` reads them."""

    ks: tuple[int, ...]
    candidates: int | str | None
    customers: int
    resamples: int
    stability_sample: int
    jobs: int


def parse_ks(text: str) -> tuple[int, ...]:
    """Return the K values of ``--k``: one whole number (``4``) or an inclusive range (``2..10``),
    each at least 2; a range of more than ``MAX_K_VALUES`` values is refused before it is built."""
    first, sep, last = text.partition("..")
    try:
        low = int(first)
        high = int(last) if sep else low
    except ValueError:
        raise BadInputError("k", text, "expected a whole number K or a range LOW..HIGH (e.g. 2..10)") from None
    if low < 2 or high < low:
        raise BadInputError("k", text, "K must be at least 2 (and LOW <= HIGH)")
    if high - low + 1 > MAX_K_VALUES:
        raise BadInputError("k", text, f"model selection would fit {high - low + 1:,} K values, each a 10-start KMeans "
                                       f"over every customer; the limit is {MAX_K_VALUES} values")
    return tuple(range(low, high + 1))


def check_arguments(k: str, candidates: str | None, customers: int, resamples: int, stability_sample: int, jobs: int,
                    *, generated: bool) -> None:
    """Raise BadInputError for a size knob of the command line that cannot fit (or a ``k`` that
    does not parse), before the heavy modules are imported; other values that do not parse are
    left to the command's own checks."""
    ks = parse_ks(k)
    try:
        chosen: int | str | None = candidates if candidates in (None, "all") else int(str(candidates))
    except ValueError:
        return
    if isinstance(chosen, int) and chosen < 1 or customers < 3 or resamples < 0:
        return
    check_request(SegmentSizes(ks, chosen, customers, resamples, stability_sample, jobs), generated=generated)


def memory_limit() -> int:
    """Return the bytes the command may plan to hold: ``MEMORY_FRACTION`` of the memory
    available now (of ``FALLBACK_MEMORY`` when that cannot be read)."""
    available = available_memory()
    return int(MEMORY_FRACTION * (FALLBACK_MEMORY if available is None else available))


def check_request(request: SizedRequest, *, generated: bool) -> None:
    """Raise BadInputError for a size knob of ``request`` that cannot fit whatever the customers
    (and, for ``generated`` transactions, for the customers asked for)."""
    cores = os.cpu_count() or 1
    if not 1 <= request.jobs <= cores:
        raise BadInputError("jobs", request.jobs, f"must be in 1..{cores} (this machine's cores)")
    if request.resamples > 0:
        check_stability(request.resamples, request.stability_sample)
    if len(request.ks) > MAX_K_VALUES:
        raise BadInputError("k", f"{request.ks[0]}..{request.ks[-1]}",
                            f"model selection would fit {len(request.ks):,} K values, each a 10-start KMeans over "
                            f"every customer; the limit is {MAX_K_VALUES} values")
    if isinstance(request.candidates, int):
        _check_k_candidates(request.ks, request.candidates)
        # At least M customers, so at least an M x M distance block and the QUBO.
        _check_candidate_memory(request.candidates, request.candidates)
    if generated:
        need = request.customers * GENERATED_BYTES_PER_CUSTOMER
        if need > memory_limit():
            raise BadInputError("customers", request.customers,
                                f"generating them needs ~{_gb(need)} (~{GENERATED_BYTES_PER_CUSTOMER:,} B a customer); "
                                f"the limit is {_gb(memory_limit())}")
        check_customers(request, request.customers)


def check_customers(request: SizedRequest, customers: int) -> None:
    """Raise BadInputError for a size knob that cannot fit ``customers`` customers: K above the
    candidates, or candidates whose distances and QUBO exceed ``memory_limit``."""
    m = _candidates(request.candidates, customers)
    _check_k_candidates(request.ks, m)
    _check_candidate_memory(m, customers, value=request.candidates)


def stability_seconds(resamples: int, sample: int) -> float:
    """Return the estimated seconds of the bootstrap refits (``REFIT_SECONDS_PER_1000``)."""
    return resamples * METHODS * sample / 1000 * REFIT_SECONDS_PER_1000


def check_stability(resamples: int, sample: int) -> None:
    """Raise BadInputError when ``resamples`` resamples of ``sample`` customers exceed
    ``MAX_RESAMPLES`` or an estimated ``MAX_STABILITY_SECONDS``, or ``sample`` is outside
    ``MIN_STABILITY_SAMPLE``..``MAX_STABILITY_SAMPLE``."""
    if not MIN_STABILITY_SAMPLE <= sample <= MAX_STABILITY_SAMPLE:
        raise BadInputError("stability_sample", sample,
                            f"must be in {MIN_STABILITY_SAMPLE:,}..{MAX_STABILITY_SAMPLE:,} customers per resample "
                            f"(a resample refits {METHODS} methods on that many)")
    seconds = stability_seconds(resamples, sample)
    if resamples > MAX_RESAMPLES or seconds > MAX_STABILITY_SECONDS:
        raise BadInputError("resamples", resamples,
                            f"{resamples:,} resamples x {METHODS} methods = {resamples * METHODS:,} refits of up to "
                            f"{sample:,} customers, estimated {_duration(seconds)} and "
                            f"{_gb(resamples * sample * 8)} of draws; the limit is {MAX_RESAMPLES:,} resamples and "
                            f"{_duration(MAX_STABILITY_SECONDS)}")


def _candidates(value: int | str | None, customers: int) -> int:
    if value is None:
        return default_candidates(customers)
    return customers if value == "all" else min(int(value), customers)


def _check_k_candidates(ks: tuple[int, ...], m: int) -> None:
    if ks[-1] > m:
        raise BadInputError("k", ks[-1], f"the QUBO route picks K medoids among {m:,} candidates: K must be <= {m:,}")


def _check_candidate_memory(m: int, customers: int, *, value: int | str | None = None) -> None:
    need = m * customers * 8 + m * (m - 1) // 2 * QUBO_BYTES_PER_INTERACTION
    if need > memory_limit():
        raise BadInputError("candidates", m if value is None else value,
                            f"{m:,} candidates x {customers:,} customers need ~{_gb(need)} (distances and a QUBO of "
                            f"{m * (m - 1) // 2:,} interactions); the limit is {_gb(memory_limit())}")


def _gb(size: float) -> str:
    return f"{size / 2**30:,.1f} GB"


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h" if seconds >= 3600 else f"{seconds / 60:,.1f} min"

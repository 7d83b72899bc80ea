"""Every metric qseg reports, defined once (DESIGN §3).

Objectives enter here in the minimisation sense; callers convert for display.
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_EPS = 1e-6
TARGET_PROBABILITY = 0.99
ROUNDING_NOISE = 1e-12  # relative; the same cost summed in another order differs by ~1e-16


def gap(objective: float | np.ndarray, reference: float) -> float | np.ndarray:
    """Return (objective - reference) / max(|reference|, 1e-9) for minimisation objectives:
    >= 0 for a worse answer, 0 at the reference (floating-point noise below 1e-12 is 0)."""
    relative = (np.asarray(objective, dtype=float) - reference) / max(abs(reference), 1e-9)
    cleaned = np.where(np.abs(relative) < ROUNDING_NOISE, 0.0, relative)
    return float(cleaned) if cleaned.ndim == 0 else cleaned


def weighted_fraction(mask: np.ndarray, occurrences: np.ndarray) -> float:
    """Return the fraction of reads (weighted by ``num_occurrences``) where ``mask`` holds."""
    total = int(occurrences.sum())
    return float(occurrences[mask].sum() / total) if total else 0.0


def success_probability(
    minimised: np.ndarray, feasible: np.ndarray, occurrences: np.ndarray, reference: float,
    eps: float = DEFAULT_EPS,
) -> float:
    """Return the fraction of reads that are feasible and within ``gap <= eps`` of the reference."""
    hits = feasible & (gap(minimised, reference) <= eps)
    return weighted_fraction(hits, occurrences)


def tts99(t_read_s: float, probability: float) -> float | None:
    """Return the time to reach the reference with 99 % confidence: ``t_read`` when the success
    probability is at least 0.99, ``t_read * ln(0.01) / ln(1 - p)`` below it, None when p = 0."""
    if probability <= 0.0:
        return None
    if probability >= TARGET_PROBABILITY:
        return t_read_s
    return t_read_s * math.log(1 - TARGET_PROBABILITY) / math.log(1 - probability)

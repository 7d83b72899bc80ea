"""The rules every page of qseg's reports shares: when an interval is shown and how a time is
written (docs/reports.md explains both)."""

from __future__ import annotations

import math

# Fewer instances give no interval, in the report and in ``qseg compare`` alike: with n
# instances a percentile bootstrap of the median has only n distinct values to draw from, and
# pure noise moves every one of n pairs the same way with chance 2 x 2^-n (over 5 % for n <= 5).
MIN_INTERVAL_INSTANCES = 6


def has_interval(instances: int) -> bool:
    """Return whether ``instances`` instances are enough for an interval to be shown."""
    return instances >= MIN_INTERVAL_INSTANCES


def format_seconds(seconds: float, *, signed: bool = False) -> str:
    """Return a duration in an adaptive unit with three significant digits: ``143 µs``,
    ``8.68 ms``, ``23.0 ms``, ``2.31 s``, ``1,234 s``; ``∞`` for infinity and ``–`` for NaN. ``signed``
    prefixes ``+`` to a positive value (a change)."""
    if math.isnan(seconds):
        return "–"
    sign = "-" if seconds < 0 else ("+" if signed and seconds > 0 else "")
    size = abs(seconds)
    if math.isinf(size):
        return f"{sign}∞"
    if size == 0:
        return "0 s"
    for scale, unit in ((1e-6, "µs"), (1e-3, "ms"), (1.0, "s")):
        scaled = size / scale
        # 999.96 µs rounds to 1,000 µs at three digits: it belongs to the next unit.
        if float(f"{scaled:.3g}") < 1000 or unit == "s":
            break
    # "#" keeps trailing zeros (23.0 ms: three digits); a bare trailing point goes.
    text = f"{scaled:,.0f}" if scaled >= 1000 else f"{scaled:#.3g}".rstrip(".")
    return f"{sign}{text} {unit}"

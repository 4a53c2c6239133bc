"""Latency summaries: percentiles of what was measured, in milliseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

PERCENTILES = (50.0, 90.0, 99.0, 99.9)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(seconds: Sequence[float]) -> dict[str, Any]:
    """Count, p50/p90/p99/p99.9 and max, in ms."""
    ordered = sorted(seconds)
    result: dict[str, Any] = {"count": len(ordered)}
    for q in PERCENTILES:
        result[f"p{q:g}"] = round(percentile(ordered, q) * 1000, 2)
    result["max"] = round(ordered[-1] * 1000, 2) if ordered else math.nan
    return result

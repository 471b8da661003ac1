"""Best-of-N timing (the least disturbed run is the closest to the code's own cost), and the
latency summary the benches report for many requests."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def best_of(run: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_ms(seconds: list[float]) -> dict[str, float]:
    """p50 and p95 of these request times, in milliseconds."""
    return {"p50_ms": 1000 * statistics.median(seconds), "p95_ms": 1000 * percentile(seconds, 0.95)}

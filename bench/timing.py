"""Best-of-N timing: the least disturbed run is the closest to the code's own cost."""

from __future__ import annotations

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

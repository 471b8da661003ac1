"""A small time-limited cache for whole-workshop aggregates (the 研修主页, the county view): at
23,000 learners they take seconds to compute, and seed 004 publishes them daily, so a figure a
minute or two old is what every reader should get instead of a wait. Kept per app and per
process (each gunicorn worker holds its own); DASHBOARD_CACHE_SECONDS = 0 turns it off."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
MAX_ENTRIES = 256
_lock = threading.Lock()


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    seconds = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return compute()
    store: dict[Hashable, tuple[float, Any]] = current_app.extensions.setdefault("yanxiu_dashboard_cache", {})
    now = time.monotonic()
    with _lock:
        hit = store.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        store[key] = (now, value)
        if len(store) > MAX_ENTRIES:
            for old in sorted(store, key=lambda k: store[k][0])[: MAX_ENTRIES // 2]:
                del store[old]
    return value

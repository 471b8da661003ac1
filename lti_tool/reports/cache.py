"""A small time-limited cache for whole-workshop aggregates (the 研修主页, the county view): at
23,000 learners they take seconds to compute, and seed 004 publishes them daily, so a figure a
minute or two old is what every reader should get instead of a wait. Kept per app and per
process (each gunicorn worker holds its own), or, for values that have a JSON form, in Redis for
every worker when the production profile has one (shared_cache.py); DASHBOARD_CACHE_SECONDS = 0
turns it off.

One computation at a time per key and process. Every member opens the 研修主页, so at an evening
peak several requests of one worker reach an expired entry together: each computed it (seconds of
CPU each, on one interpreter), and each waited for all of them. Now the first computes, and the
others answer with the value it replaces, or, when there is none yet, wait for its result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import redis
from flask import current_app

from .shared_cache import Codec, shared_cached, warn_unavailable

T = TypeVar("T")
MAX_ENTRIES = 256
WAIT_SECONDS = 60.0  # for the first value of a key; past it a waiting request computes its own
_lock = threading.Lock()


def cached(key: Hashable, compute: Callable[[], T], codec: Codec[T] | None = None,
           seconds: float | None = None) -> T:
    """The value for `key`, at most DASHBOARD_CACHE_SECONDS old (or `seconds`, for a value that
    changes more slowly; never less). With a `codec` (the value's JSON form) and Redis configured,
    shared by every worker and machine (shared_cache.py)."""
    configured = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 0) or 0)
    if configured <= 0:
        return compute()
    seconds = configured if seconds is None else max(configured, seconds)
    if codec is not None and current_app.config.get("REDIS_URL"):
        try:
            return shared_cached(key, compute, codec, seconds)
        except redis.RedisError as exc:
            from ..lti.storage_redis import safe_redis_url

            warn_unavailable(safe_redis_url(current_app.config["REDIS_URL"]), exc)
    ext = current_app.extensions
    store: dict[Hashable, tuple[float, Any]] = ext.setdefault("yanxiu_dashboard_cache", {})
    running: dict[Hashable, threading.Event] = ext.setdefault("yanxiu_dashboard_computing", {})
    now = time.monotonic()
    with _lock:
        hit = store.get(key)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]  # type: ignore[no-any-return]
        computing = running.get(key)
        if computing is None:
            running[key] = threading.Event()
        elif hit is not None:
            return hit[1]  # type: ignore[no-any-return]  # being refreshed: the last value meanwhile
    if computing is not None:
        # Nothing to show yet: wait for the one computation rather than run a second.
        computing.wait(WAIT_SECONDS)
        with _lock:
            hit = store.get(key)
        if hit is not None:
            return hit[1]  # type: ignore[no-any-return]
        value = compute()  # it failed, or is still running after a minute
        _put(store, key, now, value, replace=False)
        return value
    try:
        value = compute()
        _put(store, key, now, value)
        return value
    finally:
        with _lock:
            running.pop(key).set()


def _put(store: dict[Hashable, tuple[float, Any]], key: Hashable, stamp: float, value: Any,
         replace: bool = True) -> None:
    with _lock:
        if not replace and key in store:
            return
        store[key] = (stamp, value)
        if len(store) > MAX_ENTRIES:
            for old in sorted(store, key=lambda k: store[k][0])[: MAX_ENTRIES // 2]:
                del store[old]

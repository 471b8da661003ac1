"""The dashboard cache shared by every worker and machine through Redis (`YANXIU_REDIS_URL`).

Without it each gunicorn worker computes the 研修主页 of a city workshop (about 2 s of CPU at
23,000 learners) for itself once per DASHBOARD_CACHE_SECONDS, and the reader who finds it expired
waits for that: with 4 workers on each of 3 web machines, twelve computations and twelve waits
where one would do. Here one computation serves them all: whoever finds the value stale takes a
short lock (`SET NX EX`) and computes; the others meanwhile answer with the last value, or, when
there is none yet, wait for it. Each worker keeps the last value it decoded beside it, so a fresh
entry costs one GET, not a decode.

The value is stored as JSON (plain_data.py) for twenty cache periods, so a reader after a quiet
night still gets figures at once while they are refreshed. If Redis fails, the page is computed in
the worker as without Redis (cache.py), with one warning in the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import redis
from flask import current_app

log = logging.getLogger("yanxiu.cache")

T = TypeVar("T")
LOCK_SECONDS = 60  # a computation that takes longer (or a worker that died) gives the lock up
WAIT_SECONDS = 60.0
POLL_SECONDS = 0.05
KEEP_PERIODS = 20
MAX_DECODED = 256


@dataclass(frozen=True)
class Codec(Generic[T]):
    encode: Callable[[T], Any]  # to JSON-ready values
    decode: Callable[[Any], T]


def _name(prefix: str, key: Hashable) -> str:
    # repr of a tuple of ints, strings, dates, booleans and None is stable across processes.
    return prefix + "cache:" + hashlib.sha256(repr(key).encode()).hexdigest()[:40]


def shared_cached(key: Hashable, compute: Callable[[], T], codec: Codec[T], seconds: float) -> T:
    """The value for `key`, computed at most once per `seconds` across all workers sharing Redis.
    Raises redis.RedisError when Redis fails before anything was computed (the caller then uses
    the worker's own cache)."""
    from ..lti.storage_redis import shared_client

    client, prefix, safe_url = shared_client()
    name = _name(prefix, key)
    decoded: dict[Hashable, tuple[float, Any]] = current_app.extensions.setdefault("yanxiu_shared_cache", {})
    last = _last(client, name, key, decoded, codec)
    if last is not None and time.time() - last[0] < seconds:
        return last[1]  # type: ignore[no-any-return]
    if client.set(name + ":computing", "1", nx=True, ex=LOCK_SECONDS):
        try:
            value = compute()
            at = time.time()
            decoded[key] = (at, value)
            _store(client, name, at, codec.encode(value), max(int(seconds * KEEP_PERIODS), LOCK_SECONDS), safe_url)
            return value
        finally:
            _quietly(lambda: client.delete(name + ":computing"), safe_url)
    if last is not None:
        return last[1]  # type: ignore[no-any-return]  # being refreshed elsewhere: the last value meanwhile
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:  # nothing to show yet: wait for that one computation
        time.sleep(POLL_SECONDS)
        last = _last(client, name, key, decoded, codec)
        if last is not None:
            return last[1]  # type: ignore[no-any-return]
    return compute()


def _last(client: redis.Redis, name: str, key: Hashable, decoded: dict[Hashable, tuple[float, Any]],
          codec: Codec[Any]) -> tuple[float, Any] | None:
    """(when computed, value) of the stored entry: its time is a key of its own, so while this
    worker holds that computation decoded, a read is one small GET."""
    at = client.get(name + ":at")
    if at is None:
        return None
    known = decoded.get(key)
    if known is not None and repr(known[0]) == at:
        return known
    raw = client.get(name)
    if raw is None:
        return None
    head, _, body = str(raw).partition("\n")  # the client decodes responses (storage_redis.connect)
    entry = (float(head), codec.decode(json.loads(body)))
    if len(decoded) >= MAX_DECODED:
        decoded.clear()
    decoded[key] = entry
    return entry


def _store(client: redis.Redis, name: str, at: float, plain: Any, keep: int, safe_url: str) -> None:
    body = f"{at!r}\n" + json.dumps(plain, ensure_ascii=False, separators=(",", ":"))

    def write() -> None:
        with client.pipeline() as pipe:  # MULTI: the entry and its time change together
            pipe.set(name, body, ex=keep)
            pipe.set(name + ":at", repr(at), ex=keep)
            pipe.execute()

    _quietly(write, safe_url)


def _quietly(step: Callable[[], Any], safe_url: str) -> None:
    """A write after the value is computed: if Redis fails now, the reader still gets the value."""
    try:
        step()
    except redis.RedisError as exc:
        warn_unavailable(safe_url, exc)


_last_warning = float("-inf")


def warn_unavailable(safe_url: str, exc: Exception) -> None:
    """One line a minute at most: every 研修主页 view would otherwise log one while Redis is away."""
    global _last_warning
    if time.monotonic() - _last_warning >= 60:
        _last_warning = time.monotonic()
        log.warning("dashboard_cache_redis_unavailable url=%s error=%s: %s; computing in the worker",
                    safe_url, type(exc).__name__, exc)

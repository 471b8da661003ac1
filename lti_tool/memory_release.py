"""Give the memory of a long request back to the system once its answer is sent.

A city workshop's 情况通报 and its XLSX (23,000 learners) build a few hundred MB of rows and objects.
Python frees them when the request ends, but glibc's allocator keeps freed pages inside the process
unless they are at the very top of its heap. `malloc_trim(0)` returns them: in process, after the
情况通报 and its XLSX, Python itself still used 5 MB more than before, and the trim took the process
from 421 to 237 MiB in 12 ms (1 ms when there is nothing to return). In `make bench BENCH=pages`
at 23,000 (a gunicorn worker's own memory, RssAnon, after the pages; one run each): 301 → 235 MiB
on SQLite, 246 → 195 MiB on PostgreSQL; the rest is kept on purpose (SQLite's page cache of each
pooled connection, the grade and 研修主页 caches). Only after requests (and background worker turns)
that took SLOW_SECONDS or more, which are the ones that allocate that much, so a quick page never
pays for it; and after the response is sent, so nobody waits for it.

Elsewhere than glibc (musl, macOS) there is no malloc_trim and this does nothing.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable

from flask import Flask, Response, g

SLOW_SECONDS = 0.5


def _load_trim() -> Callable[[int], int] | None:
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this interpreter is linked with
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM = _load_trim()


def release_memory() -> bool:
    """Hand the allocator's free pages back to the system; whether this platform can."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def took_long(started: float) -> bool:
    """Whether what began at `started` (time.perf_counter()) took SLOW_SECONDS or more."""
    return time.perf_counter() - started >= SLOW_SECONDS


def release_if_slow(started: float) -> None:
    if took_long(started):
        release_memory()


def init_memory_release(app: Flask) -> None:
    @app.before_request
    def _start_clock() -> None:
        g.memory_clock = time.perf_counter()

    @app.after_request
    def _release_after_slow(response: Response) -> Response:
        started = g.get("memory_clock")
        if started is not None and took_long(started):
            # Called by the server once the body is sent and the request's session is gone.
            response.call_on_close(release_memory)
        return response

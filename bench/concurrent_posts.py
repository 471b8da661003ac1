"""Statements posted to one endpoint by several clients at once, one statement per request: what an
evening peak sends, when thousands of players each report their own events (docs/deploy.md,
"Sizing"). Each client is a thread with its own connection; the figures are the whole rate and
each request's latency as the client saw it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from .timing import latency_ms


class ConcurrentPoster:
    """`post(statements)` sends them one per request from `clients` threads, the statements dealt
    out in turn; returns the seconds from the first request to the last answer. Any refusal fails."""

    def __init__(self, url: str, make_session: Callable[[], requests.Session], clients: int) -> None:
        self.url, self.clients = url, clients
        self.sessions = [make_session() for _ in range(clients)]
        self.latencies: list[float] = []

    def post(self, statements: list[dict[str, Any]]) -> float:
        bodies = [json.dumps([statement], ensure_ascii=False).encode() for statement in statements]
        shares = [bodies[i :: self.clients] for i in range(self.clients)]
        start = time.perf_counter()
        with ThreadPoolExecutor(self.clients) as pool:
            answered = list(pool.map(self._client, self.sessions, shares))
        wall = time.perf_counter() - start
        self.latencies.extend(t for times in answered for t in times)
        return wall

    def _client(self, session: requests.Session, bodies: list[bytes]) -> list[float]:
        times = []
        for body in bodies:
            start = time.perf_counter()
            resp = session.post(self.url, data=body, timeout=300)
            times.append(time.perf_counter() - start)
            if resp.status_code != 200:
                raise RuntimeError(f"POST {self.url} → {resp.status_code}: {resp.text[:300]}")
        return times

    def summary(self) -> dict[str, float]:
        """p50 and p95 of every request so far, in milliseconds."""
        return {**latency_ms(self.latencies), "requests": len(self.latencies)}

    def close(self) -> None:
        for session in self.sessions:
            session.close()

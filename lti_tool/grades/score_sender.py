"""Scores posted to a platform's AGS scores endpoint, a few at a time.

AGS takes one score per request (§3.4), and a platform spends tens to hundreds of milliseconds on
each. After a change that concerns a whole city cohort (23,000 learners) the worker owes one score
per learner: posted one after the other at 100 ms each, the gradebook stayed behind for over half
an hour. Here a small pool of threads posts them at once (`YANXIU_AGS_CONCURRENCY`, 4 by default,
polite to a Moodle whose PHP workers also serve its teachers), each thread keeping its connection
open from one score to the next.

The threads do HTTP only: they get plain values (URL, JSON body, token) and give back the status
and the platform's reason. Everything that touches the database — the outbox, the cached token,
line items — stays with the caller, on its own thread, because a SQLAlchemy session is not shared
across threads.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from ..lti.platform_tokens import error_text
from ..retry_after import asked_wait

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


@dataclass(frozen=True)
class ScorePost:
    key: int  # the caller's handle for it: the outbox entry's id
    url: str  # the line item's scores endpoint
    body: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer at all (connection refused, timeout)
    reason: str  # for the host's page and the log: never the token
    tried: bool = True  # False: not posted, because the platform had stopped answering
    posted: bool = False  # the answer to the score's own POST (not to a token or line item request)
    wait: float | None = None  # seconds the platform asked for (Retry-After on a 429 or 503)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def done(self) -> bool:
        """The platform has this score: taken now, or refused with 409 Conflict, which a platform
        answers to a score whose timestamp is not newer than the one it holds (a score posted again
        after a crash between its POST and the commit)."""
        return self.ok or (self.posted and self.status == 409)

    @property
    def platform_down(self) -> bool:
        """No answer, rate-limited or a server error: the next scores would fare no better."""
        return self.tried and (self.status is None or self.status == 429 or self.status >= 500)


UNTRIED = Answer(None, "not sent: the platform had stopped answering", tried=False)


def post_scores(posts: Sequence[ScorePost], token: str, *, timeout: float, concurrency: int,
                http: Any = None) -> dict[int, Answer]:
    """Post each score with `token`; {key: Answer}. `http` (anything with `request`, as the
    `requests` module) replaces the pooled sessions, for callers that bring their own. With
    `concurrency` 1 the scores go one after the other on the calling thread.

    Once one gets no answer, a 429 or a 5xx, the scores not yet posted are not posted (`UNTRIED`):
    a Moodle that hangs would otherwise hold the worker, or the host's 立即回传 request, for a
    timeout per score (200 × 5 s)."""
    width = max(1, min(concurrency, len(posts)))
    sessions = [requests.Session() for _ in range(width)] if http is None else []
    free: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for session in sessions:
        free.put(session)

    halted = threading.Event()

    def post(item: ScorePost) -> Answer:
        if halted.is_set():
            return UNTRIED
        answer = send(item)
        if answer.platform_down:
            halted.set()
        return answer

    def send(item: ScorePost) -> Answer:
        client = free.get() if http is None else http
        try:
            response = client.request("POST", item.url, json=item.body, timeout=timeout,
                                      headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE})
        except requests.RequestException as exc:
            return Answer(None, f"POST {item.url}: {type(exc).__name__}", posted=True)
        finally:
            if http is None:
                free.put(client)
        if response.status_code >= 300:
            wait = asked_wait(response.status_code, response.headers, datetime.now(UTC))
            return Answer(response.status_code, f"POST {item.url} answered {response.status_code}: "
                          f"{error_text(response)}", posted=True, wait=wait)
        return Answer(response.status_code, "", posted=True)

    try:
        if width == 1:
            answers = [post(item) for item in posts]
        else:
            with ThreadPoolExecutor(max_workers=width, thread_name_prefix="ags") as pool:
                answers = list(pool.map(post, posts))
    finally:
        for session in sessions:
            session.close()
    return {item.key: answer for item, answer in zip(posts, answers, strict=True)}

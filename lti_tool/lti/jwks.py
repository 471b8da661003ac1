"""Platform public keys: cached, fetched with a timeout, re-fetched once for an unknown `kid`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from .errors import LtiError

# A per-process cache is only a cache: every worker can fetch the set itself.
_TTL_SECONDS = 3600
# An attacker can send tokens with random kids; re-fetch a given URL at most this often.
_MIN_REFETCH_SECONDS = 5


class PlatformKeys:
    def __init__(
        self,
        timeout: float,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._timeout = timeout
        self._session = session or requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        # kids seen missing right after a fetch: asked again within _MIN_REFETCH_SECONDS, they
        # fail without another fetch (forged random kids cannot make us hammer the platform).
        self._missing: dict[str, set[str]] = {}

    def _fetch(self, url: str) -> list[dict[str, Any]]:
        try:
            resp = self._session.get(url, timeout=self._timeout)
            resp.raise_for_status()
            keys = resp.json()["keys"]
        except requests.Timeout:
            raise LtiError("jwks_unavailable", f"{url} did not answer within {self._timeout:g} s") from None
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            raise LtiError("jwks_unavailable", f"{url}: {type(exc).__name__}") from None
        if not isinstance(keys, list):
            raise LtiError("jwks_unavailable", f"{url}: 'keys' is not a list")
        with self._lock:
            self._cache[url] = (self._clock(), keys)
            self._missing[url] = set()
        return keys

    def find(self, url: str, kid: str) -> dict[str, Any]:
        with self._lock:
            cached = self._cache.get(url)
        now = self._clock()
        if cached and now - cached[0] < _TTL_SECONDS:
            for key in cached[1]:
                if key.get("kid") == kid:
                    return key
            with self._lock:
                recently_missing = kid in self._missing.get(url, set())
            if recently_missing and now - cached[0] < _MIN_REFETCH_SECONDS:
                raise LtiError("unknown_key", kid)
        # Not cached, stale, or an unknown kid: platforms rotate keys, so fetch once more.
        keys = self._fetch(url)
        for key in keys:
            if key.get("kid") == kid:
                return key
        with self._lock:
            self._missing.setdefault(url, set()).add(kid)
        raise LtiError("unknown_key", kid)


def platform_keys() -> PlatformKeys:
    """The app's key-set cache: shared through Redis when `YANXIU_REDIS_URL` is set."""
    from flask import current_app

    if current_app.config.get("REDIS_URL"):
        from .storage_redis import redis_platform_keys

        return redis_platform_keys()
    return current_app.extensions["yanxiu"].platform_keys  # type: ignore[no-any-return]

"""The production profile's shared state on Redis (`YANXIU_REDIS_URL`): LTI state, nonces and
launch data, and a fleet-wide copy of platform key sets.

The database storage (`storage.DbLaunchDataStorage`) stays the default; with Redis, a launch's
short-lived data leaves the database (no `lti_state` writes on the hot launch path) and expires by
itself (`EX`), so nothing needs purging. Every key carries `YANXIU_REDIS_PREFIX` so several tool
instances can share one Redis.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from flask import Flask, current_app
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from werkzeug.exceptions import ServiceUnavailable

from ..i18n import t
from .jwks import _TTL_SECONDS, PlatformKeys

log = logging.getLogger("yanxiu.redis")

_EXTENSION = "yanxiu_redis"
# Launches must fail fast, not hang a worker, when Redis is away.
_SOCKET_TIMEOUT_SECONDS = 2.0


def safe_redis_url(url: str) -> str:
    """The URL with its password masked, for logs and error messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def connect(url: str) -> redis.Redis:
    """A client (with its own connection pool) for URL; raises ValueError for a malformed URL."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=_SOCKET_TIMEOUT_SECONDS,
        socket_timeout=_SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
        decode_responses=True,
    )


def check_redis(url: str) -> None:
    """Startup check for `yanxiu serve`: raises RuntimeError naming the variable (password masked)."""
    try:
        connect(url).ping()
    except ValueError as exc:
        raise RuntimeError(f"YANXIU_REDIS_URL is not a valid Redis URL ({safe_redis_url(url)}): {exc}") from None
    except redis.RedisError as exc:
        raise RuntimeError(
            f"YANXIU_REDIS_URL: cannot reach Redis at {safe_redis_url(url)}: {type(exc).__name__}: {exc}"
        ) from None


class _Shared:
    """Per-app (so per worker process, created after the fork) client and key-set cache."""

    def __init__(self, app: Flask) -> None:
        url = app.config["REDIS_URL"]
        self.safe_url = safe_redis_url(url)
        self.prefix: str = app.config.get("REDIS_PREFIX", "yanxiu:")
        self.client = connect(url)
        self.platform_keys = RedisPlatformKeys(
            self.client, self.prefix, self.safe_url, timeout=app.config["LTI_HTTP_TIMEOUT_SECONDS"]
        )


def _shared() -> _Shared:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    shared = app.extensions.get(_EXTENSION)
    if shared is None:
        shared = app.extensions[_EXTENSION] = _Shared(app)
    return shared  # type: ignore[no-any-return]


def shared_client() -> tuple[redis.Redis, str, str]:
    """(client, key prefix, URL with the password masked) of this worker's Redis connection."""
    shared = _shared()
    return shared.client, shared.prefix, shared.safe_url


def redis_platform_keys() -> PlatformKeys:
    return _shared().platform_keys


def _unavailable(safe_url: str, exc: Exception) -> ServiceUnavailable:
    # One log line naming the store (password masked); the user gets a 503 page, not a traceback.
    log.error("redis_unavailable url=%s error=%s: %s", safe_url, type(exc).__name__, exc)
    return ServiceUnavailable(t("登录状态存储（Redis）暂时不可用，请稍后回到课程重新进入。",
                                "The login state store (Redis) is unavailable; launch again from the course later."))


class RedisLaunchDataStorage(LaunchDataStorage[Any]):
    """pylti1p3 storage on Redis, with the same contract as `DbLaunchDataStorage`.

    Nonces are single-use across every worker and machine: they are issued with `SET … NX EX` and
    consumed with `DEL`, which returns 1 to exactly one of two racing launches. No session-id
    prefix (the state cookie binds the launch to the browser; see DbLaunchDataStorage).
    """

    _prefix = "lti1p3-"

    def __init__(self, shared: _Shared | None = None) -> None:
        super().__init__()
        self._shared = shared or _shared()

    def _key(self, key: str) -> str:
        return self._shared.prefix + "lti:" + self._prepare_key(key)

    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        try:
            raw = self._shared.client.get(self._key(key))
        except redis.RedisError as exc:
            raise _unavailable(self._shared.safe_url, exc) from None
        return None if raw is None else json.loads(raw)

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        full = self._key(key)
        try:
            # NX for nonces: an issued nonce is never overwritten (nor re-armed while it lives).
            self._shared.client.set(full, json.dumps(value), ex=exp or 3600, nx="-nonce-" in full)
        except redis.RedisError as exc:
            raise _unavailable(self._shared.safe_url, exc) from None

    def check_value(self, key: str) -> bool:
        full = self._key(key)
        try:
            if "-nonce-" in full:
                # Atomic consume: of two workers racing with the same nonce, exactly one gets 1.
                return bool(self._shared.client.delete(full))
            return bool(self._shared.client.exists(full))
        except redis.RedisError as exc:
            raise _unavailable(self._shared.safe_url, exc) from None


class RedisPlatformKeys(PlatformKeys):
    """Platform key sets shared by every worker through Redis, in front of the per-process cache.

    A worker that finds no key set locally (a fresh worker), or a token whose `kid` its copy lacks,
    first looks at the shared copy: when another worker already fetched a newer set (a platform
    rotated its keys), it adopts that set instead of fetching. Only when the shared copy is missing
    or no newer than its own does it fetch, and then it publishes the result. Redis trouble only
    costs a fetch (a cache is only a cache); the per-process limit on re-fetches for unknown kids
    still applies. There is no fleet-wide fetch lock on purpose: a worker waiting for another's
    fetch would refuse genuine launches signed with a just-rotated key.
    """

    def __init__(self, client: redis.Redis, prefix: str, safe_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._redis = client
        self._redis_prefix = prefix
        self._safe_url = safe_url

    def _shared_key(self, url: str) -> str:
        return self._redis_prefix + "jwks:" + hashlib.sha256(url.encode()).hexdigest()

    def _shared_get(self, url: str) -> tuple[float, list[dict[str, Any]]] | None:
        try:
            raw = self._redis.get(self._shared_key(url))
            if raw is None:
                return None
            data = json.loads(raw)
            return float(data["fetched_at"]), list(data["keys"])
        except (redis.RedisError, ValueError, KeyError, TypeError) as exc:
            log.warning("jwks_shared_cache_unavailable url=%s error=%s", self._safe_url, type(exc).__name__)
            return None

    def _shared_put(self, url: str, keys: list[dict[str, Any]]) -> None:
        try:
            self._redis.set(self._shared_key(url), json.dumps({"fetched_at": time.time(), "keys": keys}),
                            ex=_TTL_SECONDS)
        except redis.RedisError as exc:
            log.warning("jwks_shared_cache_unavailable url=%s error=%s", self._safe_url, type(exc).__name__)

    def _fetch(self, url: str) -> list[dict[str, Any]]:
        with self._lock:
            local = self._cache.get(url)
        shared = self._shared_get(url)
        if shared is not None:
            fetched_at, keys = shared
            age = max(0.0, time.time() - fetched_at)
            if age < _TTL_SECONDS and (local is None or keys != local[1]):
                with self._lock:
                    # Keep the shared copy's age, so it expires when the fetched set would have.
                    self._cache[url] = (self._clock() - age, keys)
                    self._missing[url] = set()
                return keys
        keys = super()._fetch(url)
        self._shared_put(url, keys)
        return keys

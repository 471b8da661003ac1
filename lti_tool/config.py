"""Configuration from `YANXIU_*` environment variables, with safe production defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("production", "development", "demo")


class ConfigError(RuntimeError):
    """A setting is missing or contradicts another one; the message names the variable."""


def _secret_key(instance_path: Path) -> str:
    """Keep a generated key in the instance folder so restarts and workers share it."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: when several workers start at once only one key is written; the others read it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _check_redis_url(url: str) -> None:
    """Refuse a malformed URL at startup, naming the variable (reachability: `yanxiu serve`)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a non-numeric port
    except ValueError as exc:
        raise ConfigError(f"YANXIU_REDIS_URL is not a valid URL: {exc}") from None
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(
            f"YANXIU_REDIS_URL must start with redis://, rediss:// or unix://, got {parts.scheme or 'no'} scheme"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ConfigError("YANXIU_REDIS_URL has no host (expected redis://[:password@]host[:port]/db)")


def _number(name: str, default: float, kind: type = int, minimum: float = 0) -> Any:
    """A numeric YANXIU_* variable; anything else stops the start with one line naming it."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return kind(default)
    try:
        value = kind(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a{'n integer' if kind is int else ' number'}, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def load_config(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    env = os.environ
    overrides = dict(overrides or {})
    yanxiu_env = overrides.get("YANXIU_ENV", env.get("YANXIU_ENV", "production"))
    if yanxiu_env not in ENVIRONMENTS:
        raise ConfigError(f"YANXIU_ENV must be one of {', '.join(ENVIRONMENTS)}, got {yanxiu_env!r}")
    db_url = overrides.get("SQLALCHEMY_DATABASE_URI") or env.get("YANXIU_DATABASE_URL")
    if not db_url:
        instance_path.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{instance_path / 'yanxiu.sqlite3'}"
    cfg: dict[str, Any] = {
        "YANXIU_ENV": yanxiu_env,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SECRET_KEY": env.get("YANXIU_SECRET_KEY") or None,
        "BASE_URL": (env.get("YANXIU_BASE_URL") or "").rstrip("/") or None,
        # Production profile: LTI state/nonces/launch data and platform key sets in Redis.
        "REDIS_URL": env.get("YANXIU_REDIS_URL") or None,
        "REDIS_PREFIX": env.get("YANXIU_REDIS_PREFIX", "yanxiu:"),
        "UPLOAD_MAX_BYTES": _number("YANXIU_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1),
        # Moodle's id_token lives 60 s: tolerate small clock skew, never large (platform-facts).
        "LTI_CLOCK_SKEW_SECONDS": _number("YANXIU_LTI_CLOCK_SKEW_SECONDS", 10),
        "LTI_STATE_LIFETIME_SECONDS": 600,
        "LTI_HTTP_TIMEOUT_SECONDS": _number("YANXIU_LTI_HTTP_TIMEOUT_SECONDS", 5, float, minimum=0.1),
        "KEY_GRACE_DAYS": _number("YANXIU_KEY_GRACE_DAYS", 7),
        # The 研修主页 and the county view are aggregates of a whole workshop or platform: kept this
        # long per worker (0 = always fresh). Seed 004 publishes them daily; minutes are plenty.
        "DASHBOARD_CACHE_SECONDS": _number("YANXIU_DASHBOARD_CACHE_SECONDS", 120),
        # The grade table waits for a full recomputation (after a change that concerns everyone)
        # only up to this many learners; a larger cohort shows its last results with a notice while
        # the background worker recomputes (5,000 take about a second; 23,000 took 8 s).
        "GRADES_INLINE_LEARNERS": _number("YANXIU_GRADES_INLINE_LEARNERS", 5000),
        # Members asked of the LMS per NRPS page: a city's 23,000 are 23 round trips, not 230 at
        # the 100 of before. The platform may send fewer; the sync follows its next links either way.
        "ROSTER_PAGE_SIZE": _number("YANXIU_ROSTER_PAGE_SIZE", 1000, minimum=1),
        # Rosters above this many members are synced by the background worker, never inside a
        # host's launch or click (workshops/roster.py): a city's 23,000 are tens of NRPS pages from
        # a Moodle that may take seconds each, and gunicorn ends a request at 60 s.
        "ROSTER_INLINE_MEMBERS": _number("YANXIU_ROSTER_INLINE_MEMBERS", 1000),
        # Gradebook scores posted to a platform at once by the worker (grades/score_sender.py): AGS
        # takes one per request, and a city's 23,000 one after the other took over half an hour.
        "AGS_CONCURRENCY": _number("YANXIU_AGS_CONCURRENCY", 4, minimum=1),
        "TRUST_PROXY": env.get("YANXIU_TRUST_PROXY", "1") == "1",
        "BABEL_DEFAULT_LOCALE": "zh",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": None,
    }
    cfg.update(overrides)
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = _secret_key(instance_path)
    if cfg["REDIS_URL"]:
        _check_redis_url(cfg["REDIS_URL"])
    cfg["DEVLMS_ENABLED"] = cfg["YANXIU_ENV"] in ("development", "demo")
    if cfg["YANXIU_ENV"] == "production" and cfg.get("DEVLMS_ENABLED_OVERRIDE"):
        raise ConfigError("the development LMS cannot be enabled when YANXIU_ENV=production")
    if cfg["MAX_CONTENT_LENGTH"] is None:
        cfg["MAX_CONTENT_LENGTH"] = cfg["UPLOAD_MAX_BYTES"] + 1024 * 1024
    return cfg

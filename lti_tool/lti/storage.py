"""State, nonce and launch data kept in the database, so any worker can finish a launch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy import delete, select

from ..extensions import db
from ..models import LtiStateEntry


class DbLaunchDataStorage(LaunchDataStorage[Any]):
    """pylti1p3 storage on the `lti_state` table.

    Nonces are single-use: `check_value` on a nonce key deletes it, so a replayed id_token fails
    even when it reaches another worker. No session-id prefix is used (the state cookie already
    binds the launch to the browser), which keeps launches working when third-party cookies are
    partitioned.
    """

    _prefix = "lti1p3-"

    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        key = self._prepare_key(key)
        entry = db.session.get(LtiStateEntry, key)
        if entry is None or entry.expires_at <= datetime.now(UTC):
            return None
        return json.loads(entry.value)

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        key = self._prepare_key(key)
        expires = datetime.now(UTC) + timedelta(seconds=exp or 3600)
        entry = db.session.get(LtiStateEntry, key)
        if entry is None:
            db.session.add(LtiStateEntry(key=key, value=json.dumps(value), expires_at=expires))
        else:
            entry.value, entry.expires_at = json.dumps(value), expires
        db.session.commit()

    def check_value(self, key: str) -> bool:
        key = self._prepare_key(key)
        if "-nonce-" in key:
            # Atomic consume: of two workers racing with the same nonce, exactly one deletes the row.
            result = db.session.execute(
                delete(LtiStateEntry).where(
                    LtiStateEntry.key == key, LtiStateEntry.expires_at > datetime.now(UTC)
                )
            )
            db.session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]
        return self.get_value(key) is not None


def purge_expired(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    result = db.session.execute(delete(LtiStateEntry).where(LtiStateEntry.expires_at <= now))
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def entry_exists(key: str) -> bool:
    return db.session.scalar(select(LtiStateEntry.key).where(LtiStateEntry.key == key)) is not None


def launch_data_storage() -> LaunchDataStorage[Any]:
    """Redis when `YANXIU_REDIS_URL` is set (production profile), else the database (default)."""
    if current_app.config.get("REDIS_URL"):
        from .storage_redis import RedisLaunchDataStorage

        return RedisLaunchDataStorage()
    return DbLaunchDataStorage()

"""Deterministic statement ids: the same event always gets the same UUIDv5, so a re-send is a no-op."""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1f6d8e-2b1e-5d4c-9a77-79616e786975")  # fixed forever: changing it re-ids history


def statement_id(tool: str, event_key: str) -> str:
    """UUIDv5 of (tool identity, event key); `event_key` names the event, e.g. "post:42"."""
    return str(uuid.uuid5(NAMESPACE, f"{tool}\n{event_key}"))

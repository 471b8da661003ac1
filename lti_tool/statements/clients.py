"""Basic-auth credentials for xAPI content reporting into the tool."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import XapiClient


@dataclass
class NewClient:
    client: XapiClient
    key: str
    secret: str  # shown once; only its hash is stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_client(name: str, course_id: int | None = None) -> NewClient:
    if not name.strip():
        raise ValueError("--name: must not be empty")
    key = "yx_" + secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)
    client = XapiClient(name=name.strip()[:200], key=key, secret_hash=_hash(secret), course_id=course_id)
    db.session.add(client)
    db.session.commit()
    return NewClient(client=client, key=key, secret=secret)


def authenticate(key: str, secret: str) -> XapiClient | None:
    client = db.session.scalars(select(XapiClient).where(XapiClient.key == key)).first()
    # Compare even when the key is unknown, so timing does not reveal which keys exist.
    expected = client.secret_hash if client else _hash("x" * 43)
    if not hmac.compare_digest(expected, _hash(secret)) or client is None or not client.active:
        return None
    return client

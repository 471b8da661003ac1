"""Platform registrations: validated input, upsert, list, remove (used by the CLI and tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from .extensions import db
from .models import Deployment, Platform
from .params import small_int


def _url(value: str, field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"--{field}: must be an http(s) URL, got {value!r}")
    return value


@dataclass
class PlatformInput:
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: list[str]
    name: str | None = None
    kind: str = "other"
    auth_audience: str | None = None

    @classmethod
    def from_cli(cls, opts: dict[str, Any]) -> PlatformInput:
        deployments = [d.strip() for d in opts["deployment_ids"] if d and d.strip()]
        if not deployments:
            raise ValueError("--deployment-id: at least one is required")
        if not opts["client_id"].strip():
            raise ValueError("--client-id: must not be empty")
        return cls(
            # The issuer is compared byte for byte with the token's `iss`: never normalise it.
            issuer=_url(opts["issuer"].strip(), "issuer"),
            client_id=opts["client_id"].strip(),
            auth_login_url=_url(opts["auth_login_url"], "auth-login-url"),
            auth_token_url=_url(opts["auth_token_url"], "auth-token-url"),
            key_set_url=_url(opts["key_set_url"], "key-set-url"),
            deployment_ids=deployments,
            name=opts.get("name"),
            kind=opts.get("kind") or "other",
            auth_audience=opts.get("auth_audience"),
        )


def upsert_platform(data: PlatformInput) -> tuple[Platform, bool]:
    platform = db.session.scalars(
        select(Platform).where(Platform.issuer == data.issuer, Platform.client_id == data.client_id)
    ).first()
    created = platform is None
    if platform is None:
        platform = Platform(issuer=data.issuer, client_id=data.client_id, name="")
        db.session.add(platform)
    platform.name = data.name or platform.name or urlsplit(data.issuer).netloc
    platform.kind = data.kind
    platform.auth_login_url = data.auth_login_url
    platform.auth_token_url = data.auth_token_url
    platform.key_set_url = data.key_set_url
    platform.auth_audience = data.auth_audience
    for dep in data.deployment_ids:
        if dep not in platform.deployment_ids:
            platform.deployments.append(Deployment(deployment_id=dep))
    db.session.commit()
    return platform, created


def list_platforms() -> list[Platform]:
    return list(db.session.scalars(select(Platform).order_by(Platform.id)))


def remove_platform(ident: str, client_id: str | None = None) -> str:
    query = select(Platform)
    number = small_int(ident)
    query = query.where(Platform.id == number) if number is not None else query.where(Platform.issuer == ident)
    if client_id:
        query = query.where(Platform.client_id == client_id)
    found = list(db.session.scalars(query))
    if not found:
        raise LookupError(f"no platform matches {ident!r}")
    if len(found) > 1:
        raise LookupError(f"{len(found)} registrations match {ident!r}: add --client-id")
    platform = found[0]
    desc = f"{platform.id} ({platform.issuer}, client_id={platform.client_id})"
    db.session.delete(platform)
    db.session.commit()
    return desc

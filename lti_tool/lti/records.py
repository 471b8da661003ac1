"""Upsert who launched from where: user, course (context), resource link and membership."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Course, Membership, Platform, ResourceLink, User
from .errors import LtiError
from .first_launch import retried_on_race
from .roles import map_roles

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


@dataclass
class LaunchRecord:
    user: User
    course: Course
    link: ResourceLink | None
    membership: Membership
    locale: str | None


def _clip(value: Any, size: int) -> str | None:
    return str(value)[:size] if value not in (None, "") else None


def _get_or_create(model: Any, defaults: dict[str, Any] | None = None, **keys: Any) -> Any:
    obj = db.session.scalars(select(model).filter_by(**keys)).first()
    if obj is None:
        obj = model(**keys, **(defaults or {}))
        db.session.add(obj)
        db.session.flush()
    return obj


def record_launch(platform: Platform, claims: Mapping[str, Any]) -> LaunchRecord:
    """Upsert the launch's rows and commit; rows another first launch created meanwhile are found
    on the next attempt (first_launch.py)."""
    return retried_on_race(lambda: _record_launch(platform, claims))


def _record_launch(platform: Platform, claims: Mapping[str, Any]) -> LaunchRecord:
    roles = claims.get(CLAIM + "roles") or []
    role = map_roles(roles)
    if role is None:
        raise LtiError("bad_claim", f"no recognised role in {roles!r}")
    context = claims.get(CLAIM + "context") or {}
    if not context.get("id"):
        raise LtiError("missing_claim", "context.id")

    user = _get_or_create(User, issuer=platform.issuer, sub=str(claims["sub"]))
    # Name and email only when the platform shares them (Open edX often does not); never erase
    # what an earlier launch shared just because this one did not.
    name = claims.get("name") or " ".join(
        p for p in (claims.get("family_name"), claims.get("given_name")) if p
    )
    if name:
        user.name = _clip(name, 200)
    if claims.get("email"):
        user.email = _clip(claims["email"], 320)
    presentation = claims.get(CLAIM + "launch_presentation") or {}
    locale = presentation.get("locale") or claims.get("locale")
    user.locale = _clip(locale, 20) or user.locale

    course = _get_or_create(
        Course,
        defaults={"deployment_id": claims[CLAIM + "deployment_id"]},
        platform_id=platform.id,
        context_id=str(context["id"]),
    )
    course.title = _clip(context.get("title"), 500) or course.title
    course.label = _clip(context.get("label"), 255) or course.label
    ags = claims.get(AGS) or {}
    if ags:
        course.ags_lineitems_url = ags.get("lineitems") or course.ags_lineitems_url
        course.ags_scopes = list(ags.get("scope") or [])
    nrps = claims.get(NRPS) or {}
    if nrps.get("context_memberships_url"):
        course.nrps_url = nrps["context_memberships_url"]

    link = None
    resource_link = claims.get(CLAIM + "resource_link") or {}
    custom = claims.get(CLAIM + "custom") or {}
    if resource_link.get("id"):
        link = _get_or_create(ResourceLink, course_id=course.id, resource_link_id=str(resource_link["id"]))
        link.title = _clip(resource_link.get("title"), 500) or link.title
        if ags.get("lineitem"):
            link.ags_lineitem_url = ags["lineitem"]
        link.custom = {k: v for k, v in custom.items() if k.startswith("workshop")}

    membership = _get_or_create(
        Membership, defaults={"role": role}, user_id=user.id, course_id=course.id
    )
    membership.role = role
    membership.lti_roles = list(roles)
    membership.custom = {str(k)[:100]: str(v)[:500] for k, v in custom.items()}
    db.session.commit()
    return LaunchRecord(user=user, course=course, link=link, membership=membership, locale=locale)

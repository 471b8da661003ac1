"""The workshop roster from the LMS: LTI Names and Role Provisioning Services (NRPS 2.0).

Every page of the course's membership container is fetched before anything is written, so a
platform that fails half-way leaves the roster as it was. Users are keyed like a launch (issuer +
`sub`), roles are mapped like a launch (`lti/roles.py`, `membership.COURSE_TO_WORKSHOP`), and roles
a host assigned inside the workshop (三人行, tutors) are kept. Open edX shares no names unless the
course allows PII: missing names and emails never erase what a launch or an import gave.

Members the platform marks Inactive/Deleted, or no longer lists at all, are set `active = False`
rather than deleted: their statements, posts and grades stay, and an Active listing restores them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..lti.platform_tokens import ServiceError, call
from ..lti.roles import map_roles
from ..models import User, Workshop, WorkshopMember
from .membership import COURSE_TO_WORKSHOP

log = logging.getLogger("yanxiu.roster")

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 500  # a platform whose "next" links never end must not hang a worker
# A host launch re-syncs only when the last sync is older than this (launches must stay fast).
LAUNCH_SYNC_INTERVAL = timedelta(minutes=10)
INACTIVE_STATUSES = {"inactive", "deleted"}
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)


class RosterSyncError(Exception):
    """The roster could not be fetched; the message is bilingual and safe to show to the host."""


@dataclass
class SyncResult:
    listed: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0
    skipped: int = 0  # listed with no role Yanxiu knows
    pages: int = 0


def _with_limit(url: str, limit: int) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("limit", str(limit))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _next_link(header: str | None) -> str | None:
    found = _LINK_NEXT.search(header or "")
    return found.group(1) if found else None


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)


def fetch_members(workshop: Workshop, http: Any = None) -> tuple[list[dict[str, Any]], int]:
    """All members of the course from NRPS, following `Link: rel="next"`; (members, pages)."""
    course = workshop.course
    if not course.nrps_url:
        raise RosterSyncError("课程平台未提供成员名单服务（NRPS）/ the platform offers no roster service (NRPS)")
    page_size = int(current_app.config["ROSTER_PAGE_SIZE"])
    url: str | None = _with_limit(course.nrps_url, page_size)
    members: list[dict[str, Any]] = []
    seen: set[str] = set()
    pages = 0
    while url:
        if url in seen or pages >= MAX_PAGES:
            raise RosterSyncError("名单分页链接循环 / the roster's paging links loop")
        # The bearer token goes only to the origin the launch announced, never to a link elsewhere.
        if not _same_origin(url, course.nrps_url):
            raise RosterSyncError("名单分页链接指向其他站点 / a roster page link points to another site")
        seen.add(url)
        try:
            response = call(course.platform, [NRPS_SCOPE], "GET", url, accept=NRPS_MEDIA, http=http)
            body = response.json()
        except ServiceError as exc:
            raise RosterSyncError(f"无法从课程平台获取名单 / could not fetch the roster: {exc}") from None
        except ValueError:
            raise RosterSyncError("课程平台返回的名单不是 JSON / the roster is not JSON") from None
        page = body.get("members") if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise RosterSyncError("课程平台返回的名单缺少 members / the roster has no members list")
        members.extend(m for m in page if isinstance(m, dict))
        pages += 1
        url = _next_link(response.headers.get("Link"))
    return members, pages


def _name(entry: dict[str, Any]) -> str | None:
    # Same rule as a launch (lti/records.py): `name`, else family + given name.
    name = entry.get("name") or " ".join(p for p in (entry.get("family_name"), entry.get("given_name")) if p)
    return str(name)[:200] if name else None


def apply_members(workshop: Workshop, entries: list[dict[str, Any]], pages: int = 1) -> SyncResult:
    """Upsert users and workshop members from NRPS entries, in the current transaction."""
    issuer = workshop.course.platform.issuer
    result = SyncResult(listed=len(entries), pages=pages)
    # Each member with its user's sub in one query (a lazy load per member was 23,000 queries).
    members = {
        sub: m
        for m, sub in db.session.execute(
            select(WorkshopMember, User.sub).join(User)
            .where(WorkshopMember.workshop_id == workshop.id, User.issuer == issuer)
        )
    }
    wanted = sorted({str(e.get("user_id"))[:255] for e in entries if e.get("user_id") not in (None, "")})
    users: dict[str, User] = {}
    for start in range(0, len(wanted), 500):  # only this roster's users, in bounded IN lists
        chunk = wanted[start:start + 500]
        users.update((u.sub, u) for u in db.session.scalars(
            select(User).where(User.issuer == issuer, User.sub.in_(chunk))))
    listed: set[str] = set()
    for entry in entries:
        sub = entry.get("user_id")
        if not isinstance(sub, str | int) or str(sub) == "":
            result.skipped += 1
            continue
        sub = str(sub)[:255]
        status = str(entry.get("status") or "Active").lower()
        roles = entry.get("roles")
        course_role = map_roles(str(r) for r in roles) if isinstance(roles, list) else None
        member = members.get(sub)
        if status in INACTIVE_STATUSES:
            if member is not None and member.active:
                member.active = False
                result.deactivated += 1
            listed.add(sub)
            continue
        listed.add(sub)
        if course_role is None:
            result.skipped += 1
            continue
        user = users.get(sub)
        if user is None:
            user = User(issuer=issuer, sub=sub)
            db.session.add(user)
            users[sub] = user
        if (name := _name(entry)) and user.name != name:
            user.name = name
        if entry.get("email") and user.email != str(entry["email"])[:320]:
            user.email = str(entry["email"])[:320]
        lti_role = COURSE_TO_WORKSHOP[course_role]
        if member is None:
            # Linked by the relationship, not the id: the new users and members are inserted in
            # batches at the end, not one flush each (a city's first sync of 23,000 took 19 s).
            member = WorkshopMember(workshop_id=workshop.id, user=user, role=lti_role, role_source="lti",
                                    active=True)
            db.session.add(member)
            members[sub] = member
            result.created += 1
            continue
        changed = False
        if member.role_source == "lti" and member.role != lti_role:
            member.role, changed = lti_role, True
        elif member.role_source == "host" and lti_role == "host" and member.role != "host":
            # The LMS instructor is always a host, as on a launch (membership.member_for_launch).
            member.role, member.role_source, changed = "host", "lti", True
        if not member.active:
            member.active = True
            result.reactivated += 1
        elif changed:
            result.updated += 1
    # A complete roster that no longer lists someone: they left the course.
    for sub, member in members.items():
        if sub not in listed and member.active:
            member.active = False
            result.deactivated += 1
    return result


def sync_roster(workshop: Workshop, http: Any = None) -> SyncResult:
    """Fetch the whole roster, then write it in one transaction (nothing half-written)."""
    entries, pages = fetch_members(workshop, http)
    try:
        result = apply_members(workshop, entries, pages)
        workshop.roster_synced_at = datetime.now(UTC)
        workshop.roster_sync_error = None
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log.info("roster sync workshop=%s listed=%s created=%s deactivated=%s pages=%s", workshop.id,
             result.listed, result.created, result.deactivated, result.pages)
    return result


def sync_inline(workshop: Workshop) -> bool:
    """Whether a sync of this workshop's roster may run inside a request (ROSTER_INLINE_MEMBERS,
    config.py): above it the background worker syncs (`sync_requested`)."""
    members = db.session.scalar(select(func.count()).select_from(WorkshopMember)
                                .where(WorkshopMember.workshop_id == workshop.id))
    return int(members or 0) <= int(current_app.config["ROSTER_INLINE_MEMBERS"])


def request_sync(workshop: Workshop) -> None:
    """Ask the background worker for a sync (once: a pending request is left as it is); commits."""
    if not workshop.roster_sync_pending:
        workshop.roster_sync_requested_at = datetime.now(UTC)
        db.session.commit()


def sync_requested(limit: int = 1, http: Any = None) -> int:
    """The worker's job: sync the rosters hosts asked for, the oldest request first, `limit` per
    turn. A failure is kept for the host to read on the people page, and the request dropped (the
    next launch or click asks again), so a platform that is down is not asked every turn."""
    pending = list(db.session.scalars(select(Workshop).where(Workshop.roster_sync_pending_sql())
                                      .order_by(Workshop.roster_sync_requested_at).limit(limit)))
    for workshop in pending:
        workshop_id = workshop.id
        try:
            sync_roster(workshop, http)
        except (RosterSyncError, SQLAlchemyError) as exc:
            db.session.rollback()
            failed = db.session.get(Workshop, workshop_id)
            if failed is None:
                continue
            # The platform's problem is worded for the host already; a database error's text (SQL,
            # values) is for the log only.
            shown = str(exc) if isinstance(exc, RosterSyncError) else \
                "数据库暂时不可用，请稍后再同步 / the database was unavailable: sync again later"
            failed.roster_sync_requested_at, failed.roster_sync_error = None, shown[:500]
            db.session.commit()
            log.warning("roster sync in the background failed workshop=%s: %s", workshop_id, exc)
    return len(pending)


def sync_on_host_launch(workshop: Workshop, member: WorkshopMember, http: Any = None) -> SyncResult | None:
    """Hook for `workshop_landing`: when a host or co-host launches, refresh the roster if it is
    older than LAUNCH_SYNC_INTERVAL: here for a small workshop, by the worker for a large one.
    Never fails the launch: an unreachable platform is logged and the host can press 同步 on the
    people page."""
    if not member.has_host_rights or not workshop.course.nrps_url:
        return None
    last = workshop.roster_synced_at
    if last is not None and datetime.now(UTC) - last < LAUNCH_SYNC_INTERVAL:
        return None
    if not sync_inline(workshop):
        request_sync(workshop)
        return None
    try:
        return sync_roster(workshop, http)
    except (RosterSyncError, SQLAlchemyError) as exc:  # e.g. a learner's launch created the same member
        db.session.rollback()
        log.warning("roster sync on launch failed workshop=%s: %s", workshop.id, exc)
        return None

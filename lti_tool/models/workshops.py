"""Workshops (工作坊), their phases, classes, study groups and members (seed 002, seed 004)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint, func
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .people import Course, ResourceLink, User

# Roles inside a workshop. "cohost" is a member of the 三人行 core team (host rights, seed 002).
WORKSHOP_ROLES = ("host", "cohost", "tutor", "participant", "observer")
MAX_COHOSTS = 3  # seed 002: the "三人行" core team
MAX_CLASS_SIZE = 100  # seed 004 方案1: one tutor per online class of at most 100


class Workshop(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(100))
    term: Mapped[str | None] = mapped_column(String(100))
    # seed 002: ≥ 80 学时 of online study a year.
    required_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(80))
    # How many minutes of video make one 学时 (one class period, 45 minutes by default).
    minutes_per_hour: Mapped[int] = mapped_column(Integer, default=45)
    # "proportional" | "floor_half" | "floor_whole": partial credit for unfinished 学时.
    hours_rounding: Mapped[str] = mapped_column(String(20), default="proportional")
    grading_preset: Mapped[str | None] = mapped_column(String(100))
    grading_overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rankings_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Last complete NRPS roster sync: a host launch re-syncs only when this is old (roster.py).
    roster_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A sync asked of the background worker (a roster too large to sync inside a request), and the
    # message of the last such sync that failed, shown to the host (roster.py).
    roster_sync_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    roster_sync_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()
    resource_link: Mapped[ResourceLink] = relationship()
    phases: Mapped[list[Phase]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="Phase.position"
    )

    @property
    def roster_sync_pending(self) -> bool:
        """A roster sync was asked of the background worker and not done since (roster.py)."""
        asked, done = self.roster_sync_requested_at, self.roster_synced_at
        return asked is not None and (done is None or done < asked)

    @staticmethod
    def roster_sync_pending_sql() -> Any:
        """`roster_sync_pending` as SQL, for the worker's query."""
        asked, done = Workshop.roster_sync_requested_at, Workshop.roster_synced_at
        return asked.is_not(None) & (done.is_(None) | (done < asked))


class Phase(db.Model):  # type: ignore[name-defined,misc]
    """A 阶段 with dates and planned 学时 (seed 004 方案4: 5 + 16 + 4)."""

    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    planned_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(0))

    workshop: Mapped[Workshop] = relationship(back_populates="phases")


class WorkshopClass(db.Model):  # type: ignore[name-defined,misc]
    """An online class (班级) run by one tutor."""

    __tablename__ = "workshop_classes"
    __table_args__ = (UniqueConstraint("workshop_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    tutor_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_members.id", ondelete="SET NULL", use_alter=True)
    )


class StudyGroup(db.Model):  # type: ignore[name-defined,misc]
    """A 研修小组 with its leader (研修组长)."""

    __tablename__ = "study_groups"
    __table_args__ = (UniqueConstraint("workshop_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    leader_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_members.id", ondelete="SET NULL", use_alter=True)
    )


class WorkshopMember(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "workshop_members"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    school: Mapped[str | None] = mapped_column(String(200), index=True)
    town: Mapped[str | None] = mapped_column(String(200), index=True)
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_classes.id", ondelete="SET NULL"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("study_groups.id", ondelete="SET NULL"), index=True)
    # Display name from a roster import, for platforms that share no names (Open edX).
    roster_name: Mapped[str | None] = mapped_column(String(200))
    # Where the role came from: "lti" (launch/NRPS) or "host" (assigned in the workshop).
    role_source: Mapped[str] = mapped_column(String(10), default="lti")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # False once the LMS roster (NRPS) says Inactive/Deleted or no longer lists the member: kept,
    # never deleted, so their records and grades stay; a later Active listing restores them.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())

    user: Mapped[User] = relationship()
    workshop_class: Mapped[WorkshopClass | None] = relationship(foreign_keys=[class_id])
    group: Mapped[StudyGroup | None] = relationship(foreign_keys=[group_id])

    @property
    def display_name(self) -> str:
        return self.user.name or self.roster_name or self.user.display_name

    @staticmethod
    def display_name_sql() -> Any:
        """`display_name` as SQL, for sorting in the database (the query joins `users`)."""
        return func.coalesce(func.nullif(User.name, ""), func.nullif(WorkshopMember.roster_name, ""),
                             "#" + func.substr(User.sub, 1, 8))

    @property
    def has_host_rights(self) -> bool:
        return self.role in ("host", "cohost")

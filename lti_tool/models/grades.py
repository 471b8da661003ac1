"""Computed grades, the AGS write-back outbox and cached platform access tokens."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow


class GradeResult(db.Model):  # type: ignore[name-defined,misc]
    """The latest engine result for one member, with its full explanation."""

    __tablename__ = "grade_results"
    __table_args__ = (UniqueConstraint("workshop_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("workshop_members.id", ondelete="CASCADE"))
    total: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    band: Mapped[str | None] = mapped_column(String(20))
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    credits: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(0))
    outstanding: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScoreOutbox(db.Model):  # type: ignore[name-defined,misc]
    """A score owed to the LMS gradebook (AGS), retried with backoff until the platform has it."""

    __tablename__ = "ags_outbox"
    __table_args__ = (UniqueConstraint("workshop_id", "member_id", "line_item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("workshop_members.id", ondelete="CASCADE"))
    # "total", or a top component key when the host asked for one line item per component.
    line_item_key: Mapped[str] = mapped_column(String(100), default="total")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LineItem(db.Model):  # type: ignore[name-defined,misc]
    """A gradebook column the tool created (or was given) on the platform."""

    __tablename__ = "ags_line_items"
    __table_args__ = (UniqueConstraint("workshop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(1000))


class AccessToken(db.Model):  # type: ignore[name-defined,misc]
    """OAuth2 access tokens from a platform, cached until expiry (platforms rate-limit tools)."""

    __tablename__ = "platform_access_tokens"
    __table_args__ = (UniqueConstraint("platform_id", "scopes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    scopes: Mapped[str] = mapped_column(String(1000))
    token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GradeState(db.Model):  # type: ignore[name-defined,misc]
    """Whether a workshop's stored grades still match its records. Every learning event marks the
    workshop stale; the next reader (or the background worker) recomputes it in one pass, since
    share caps and outstanding learners make each result depend on the whole cohort."""

    __tablename__ = "grade_states"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    learners: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # Something that can move anyone's result changed (an activity, the scheme, the roster): the
    # next recomputation reads everyone. Otherwise only the learners listed in GradeDirty.
    full: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class GradeDirty(db.Model):  # type: ignore[name-defined,misc]
    """A learner whose grade inputs changed since the last computation, by member or by xAPI actor
    (viewing time and statements know the actor only). Events only insert — concurrent events never
    collide on a key — and the recomputation deletes exactly the rows it has read, by id. So an id is
    never used twice: on SQLite the table is AUTOINCREMENT (migration 0013), or once a recomputation
    had emptied it, a new row could take the id of one a slower concurrent recomputation had read,
    and be deleted unread."""

    __tablename__ = "grade_dirty"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(Integer)
    actor_key: Mapped[str | None] = mapped_column(String(600))


class ManualScore(db.Model):  # type: ignore[name-defined,misc]
    """A score entered by a host or tutor for an input no record provides (an exam, a practical
    part scored at school, a peer review), on the input's own scale."""

    __tablename__ = "manual_scores"
    __table_args__ = (UniqueConstraint("workshop_id", "member_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("workshop_members.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_members.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

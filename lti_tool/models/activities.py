"""Activities inside phases and the work participants do on them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .workshops import Phase, WorkshopMember

# seed 004 方案4: 观看课程 - 阅读相关文章 - 完成作业 - 参与讨论 (+ 线下研修, seed 002).
ACTIVITY_KINDS = ("video", "reading", "discussion", "assignment", "offline")
ATTENDANCE_STATUSES = ("present", "late", "absent", "excused")
SUBMISSION_STATES = ("submitted", "returned", "graded")


class Activity(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # safe Markdown
    # 必做 (required) or 选做/拓展 (optional).
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # Video: an uploaded file (stored name) or a URL, and its length in seconds.
    video_url: Mapped[str | None] = mapped_column(String(1000))
    video_file: Mapped[str | None] = mapped_column(String(300))
    video_seconds: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    # Assignment: due date, maximum score, and the "pick one of N" tasks (seed 004 方案4).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_score: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(100))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Discussion: per class (the default in seed 004 方案4) or workshop-wide.
    per_class: Mapped[bool] = mapped_column(Boolean, default=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Offline session (线下研修 / 集中培训).
    session_date: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    planned_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    phase: Mapped[Phase | None] = relationship()

    @property
    def settings(self) -> dict[str, Any]:
        return {"choices": self.choices}


class Post(db.Model):  # type: ignore[name-defined,misc]
    """A discussion thread (parent_id is None) or a reply."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_activity_class", "activity_id", "class_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_classes.id", ondelete="SET NULL"))
    author_id: Mapped[int] = mapped_column(ForeignKey("workshop_members.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # A tutor's or expert's answer, marked for participants.
    is_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    author: Mapped[WorkshopMember] = relationship()


class Submission(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("activity_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("workshop_members.id", ondelete="CASCADE"), index=True)
    choice: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(300))
    file_stored: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    version: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    comment: Mapped[str | None] = mapped_column(Text)
    excellent: Mapped[bool] = mapped_column(Boolean, default=False)  # 推优
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_members.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[WorkshopMember] = relationship(foreign_keys=[member_id])


class Attendance(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("activity_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("workshop_members.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_members.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

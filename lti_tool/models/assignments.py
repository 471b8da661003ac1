"""Assignment submissions, their grading, return for revision and 推优, and every submitted version."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .workshops import WorkshopMember

SUBMISSION_STATES = ("submitted", "returned", "graded")


class Submission(db.Model):  # type: ignore[name-defined,misc]
    """A participant's current work on one assignment; `versions` keeps everything sent before."""

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
    # Sent after the due date (迟交): accepted, and shown to the tutor.
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Counts the tutor's decisions (score, return): each one is a new xAPI statement, so a changed
    # score is a new statement rather than a conflict with the old one.
    review_revision: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))

    member: Mapped[WorkshopMember] = relationship(foreign_keys=[member_id])
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionVersion.version"
    )


class SubmissionVersion(db.Model):  # type: ignore[name-defined,misc]
    """One sending of a submission (first submission or a resubmission), with what the tutor did
    to it: returned with feedback, or scored."""

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    choice: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(300))
    file_stored: Mapped[str | None] = mapped_column(String(300))
    file_size: Mapped[int | None] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(20))  # "returned" | "graded"
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    feedback: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="versions")

"""Assignment submissions, their grading, return for revision and 推优."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .workshops import WorkshopMember

SUBMISSION_STATES = ("submitted", "returned", "graded")


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

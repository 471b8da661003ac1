"""Attendance at offline sessions (线下研修 / 集中培训, seed 002)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow

ATTENDANCE_STATUSES = ("present", "late", "absent", "excused")


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
    # Bumped on every change of status or hours: part of the xAPI statement key, so a corrected
    # record is a new statement rather than a conflict with the first one (issue 4 §1).
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

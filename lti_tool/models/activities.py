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
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .workshops import Phase

# seed 004 方案4: 观看课程 - 阅读相关文章 - 完成作业 - 参与讨论 (+ 线下研修, seed 002).
ACTIVITY_KINDS = ("video", "reading", "discussion", "assignment", "offline")


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

"""Discussion threads and replies (seed 004 方案4: 参与讨论)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .workshops import WorkshopMember


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

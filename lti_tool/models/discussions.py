"""Discussion threads and replies (seed 004 方案4: 参与讨论)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .workshops import WorkshopMember


class Post(db.Model):  # type: ignore[name-defined,misc]
    """A discussion thread (parent_id is None) or a reply."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_activity_class", "activity_id", "class_id"),
        # One post per form shown: a double click or a re-sent form finds the first post.
        UniqueConstraint("author_id", "form_key"),
    )

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
    # The hidden per-form key (a UUID) the post was sent with; NULL for posts made before it existed.
    form_key: Mapped[str | None] = mapped_column(String(36))
    # Set when the author edits the post (allowed for a short while after posting).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[WorkshopMember] = relationship()

"""Comments (点评) on work recommended as excellent (推优) and shown to the whole workshop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .workshops import WorkshopMember


class SubmissionComment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "submission_comments"
    # The hidden per-form key: a double-submitted form stores one comment.
    __table_args__ = (UniqueConstraint("author_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("workshop_members.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    form_key: Mapped[str] = mapped_column(String(36))
    # Removed by its author or by staff: kept (the statement already went to the LRS), not shown.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[WorkshopMember] = relationship()

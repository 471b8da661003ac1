"""The statement store, its API clients, external LRSs and the forwarding outbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Indexed columns keep the start of longer values (xAPI sets no limit on an IRI's length; the body
# keeps all of it): the intake and the query filters cut theirs to these lengths alike.
ACTOR_KEY_LENGTH, VERB_ID_LENGTH, OBJECT_ID_LENGTH = 600, 500, 1000


class Statement(db.Model):  # type: ignore[name-defined,misc]
    """One xAPI statement: indexed columns for the queries, the full JSON for everything else."""

    __tablename__ = "xapi_statements"
    __table_args__ = (
        Index("ix_xapi_statements_actor_object", "actor_key", "object_id"),
        # GET /xapi/statements returns statements in `stored` order (xAPI 1.0.3 §7.2.3, "ascending"),
        # paged by (stored, seq): ending the indexes of the filters a page is mostly asked by in
        # those two columns makes a page — with since/until too — one range of one index
        # (migration 0016; with seq order, a month-old `since` read half of 1,000,000 rows).
        Index("ix_xapi_statements_stored_seq", "stored", "seq"),
        Index("ix_xapi_statements_verb_stored_seq", "verb_id", "stored", "seq"),
        Index("ix_xapi_statements_object_stored_seq", "object_id", "stored", "seq"),
        # What a course's client may read (statements/query.readable): its own statements, found
        # without reading the others'. Partial: the tool's own statements (most of them) have no client.
        Index("ix_xapi_statements_client", "client_id", postgresql_where=text("client_id IS NOT NULL"),
              sqlite_where=text("client_id IS NOT NULL")),
        # Daily participation per workshop (研修主页) counts distinct actors per day of one workshop.
        Index("ix_xapi_statements_workshop_timestamp", "workshop_id", "timestamp"),
    )

    # `seq` breaks ties in `stored` (a batch shares one) for `more` paging; `id` is the xAPI statement id.
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime())
    # No single-column indexes on timestamp and actor_key: the composite ones above serve those
    # queries, and each index costs every insert (migration 0011).
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_key: Mapped[str] = mapped_column(String(ACTOR_KEY_LENGTH))
    verb_id: Mapped[str] = mapped_column(String(VERB_ID_LENGTH))
    object_id: Mapped[str | None] = mapped_column(String(OBJECT_ID_LENGTH))
    registration: Mapped[str | None] = mapped_column(String(36), index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("xapi_clients.id", ondelete="SET NULL"))
    # The workshop named in the context (parent or grouping), when it is one of ours; see store.py.
    workshop_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)


class XapiClient(db.Model):  # type: ignore[name-defined,misc]
    """Basic-auth credentials for content (H5P, cmi5) that reports into the tool."""

    __tablename__ = "xapi_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    # sha256 of a random 256-bit secret: high entropy, so a fast hash is enough.
    secret_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Lrs(db.Model):  # type: ignore[name-defined,misc]
    """An external Learning Record Store that receives a copy of every statement."""

    __tablename__ = "xapi_lrs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str] = mapped_column(String(255))
    password_encrypted: Mapped[str] = mapped_column(Text)
    batch_size: Mapped[int] = mapped_column(Integer, default=500)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # After a failed batch nothing is sent before this time (the batch's backoff, or longer if the
    # LRS said Retry-After): one request per backoff to an LRS that is down, not one per worker turn.
    resting_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_count: Mapped[int] = mapped_column(BigInteger, default=0)
    conflict_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def resting_at(self, now: datetime) -> datetime | None:
        """Until when nothing is sent to it, if it is resting at `now`."""
        return self.resting_until if self.resting_until is not None and self.resting_until > now else None


class OutboxEntry(db.Model):  # type: ignore[name-defined,misc]
    """A statement still owed to one LRS; deleted once the LRS has it.

    Keyed by (LRS, statement) and without foreign keys, because it is written once for every
    statement stored: PostgreSQL checks a foreign key row by row, and the two checks and the
    surrogate id's index were 10 of the 15.6 ms the intake spent here per 1,000 statements
    (migration 0012). Nothing is lost by it: rows are only made by INSERT … SELECT from the LRS table
    and the statements just inserted, so they point at rows that exist; neither table has its rows
    deleted (an LRS is removed by deactivating it and dropping its outbox rows, and statements are
    immutable: the intake takes back a refused batch's rows, with their outbox rows, only inside the
    transaction that inserted them); and the forwarder joins the statement, so it could never send
    one that is not there.
    """

    __tablename__ = "xapi_outbox"
    __table_args__ = (Index("ix_xapi_outbox_due", "lrs_id", "next_attempt_at"),)

    lrs_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Forwarded in this order (the order stored), oldest first.
    statement_seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    # Server defaults: rows are inserted with INSERT … SELECT, which skips Python-side defaults.
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    # NULL means due now; set to a later time after a failed attempt (backoff).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the LRS answered 409 (same id, other content): kept for the status page, not retried.
    conflict: Mapped[bool] = mapped_column(Boolean, server_default=false())


class VideoProgress(db.Model):  # type: ignore[name-defined,misc]
    """Per learner per video: the union of played ranges, updated incrementally on intake."""

    __tablename__ = "video_progress"
    __table_args__ = (UniqueConstraint("actor_key", "video_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_key: Mapped[str] = mapped_column(String(ACTOR_KEY_LENGTH))
    video_id: Mapped[str] = mapped_column(String(OBJECT_ID_LENGTH), index=True)
    ranges: Mapped[str] = mapped_column(Text, default="[]")
    length_seconds: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    watched_seconds: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal(0))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

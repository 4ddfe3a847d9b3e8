"""Events kept before Slack is told we have them.

Bolt answers an event's request before its listener runs, and Slack never sends an acknowledged
event again. So every event we handle is written here first (a middleware, before the answer),
and marked done once its listener has finished. The clock replays what a dead process left
unfinished. Listeners are idempotent per event id (a replay or Slack's own retry changes nothing twice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from slackapp.db import Base, Store, UTCDateTime, insert_for, utcnow

log = logging.getLogger(__name__)

# A live listener finishes within this; older unfinished events belong to a process that died.
GRACE = timedelta(seconds=30)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5


class InboxEvent(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("team_id", "event_id"),
        Index("ix_inbox_unfinished", "received_at", postgresql_where=text("done_at IS NULL"), sqlite_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


def keep(session: Session, *, team_id: str, event_id: str, kind: str, body: dict) -> None:
    """Slack's retry of an event we kept already changes nothing."""
    session.execute(
        insert_for(session)(InboxEvent).values(team_id=team_id, event_id=event_id, kind=kind, body=body, received_at=utcnow()).on_conflict_do_nothing()
    )


def done(session: Session, *, team_id: str, event_id: str, error: str | None = None) -> None:
    session.execute(
        update(InboxEvent).where(InboxEvent.team_id == team_id, InboxEvent.event_id == event_id).values(done_at=utcnow(), error=error)
    )


def _claim(session: Session, now: datetime, limit: int, grace: timedelta) -> list[InboxEvent]:
    stale = (
        select(InboxEvent)
        .where(
            InboxEvent.done_at.is_(None),
            InboxEvent.received_at < now - grace,
            or_(InboxEvent.claimed_at.is_(None), InboxEvent.claimed_at < now - LEASE),
        )
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    rows = list(session.scalars(stale))
    for row in rows:
        row.claimed_at, row.attempts = now, row.attempts + 1
    return rows


def replay(store: Store, handle: Callable[[dict], None], *, grace: timedelta = GRACE, now: datetime | None = None, limit: int = 200) -> int:
    """Run `handle(body)` for each kept event that no listener finished within `grace`; the number
    replayed."""
    with store.write() as session:
        rows = _claim(session, now or utcnow(), limit, grace)
    for row in rows:
        try:
            handle(row.body)
            error = None
        except Exception as exc:  # recorded on the row; after MAX_ATTEMPTS it is given up, not retried forever
            log.exception("replaying event %s of team %s failed", row.event_id, row.team_id)
            if row.attempts < MAX_ATTEMPTS:
                continue
            error = f"gave up after {row.attempts} attempts: {exc.__class__.__name__}"
        with store.write() as session:
            done(session, team_id=row.team_id, event_id=row.event_id, error=error)
    if rows:
        log.info("replayed %s acknowledged event(s) left unfinished", len(rows))
    return len(rows)

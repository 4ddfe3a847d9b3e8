"""Events kept before Slack is told we have them.

Slack never sends an answered event again, so the middleware stores each event before Bolt answers
it (`keep`); Bolt then runs the event's listener, which marks it done (`done`) in the transaction of
its own work. An event not done a LEASE after it arrived (its process died, or its listener failed)
is handed to its listener again by the clock of any process (`overdue`), at most MAX_ATTEMPTS
times. Listeners are idempotent per event id, so neither this nor Slack's own retries change
anything twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_bolt import App, BoltRequest
from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, and_, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from slackapp.db import Base, Store, UTCDateTime, insert_for, inserted, utcnow

log = logging.getLogger(__name__)

# Set in the context of a kept event handed to its listener again: the middleware doesn't keep it twice.
REDELIVERED = "redelivered"

# A listener takes milliseconds; an event not done after this was lost by a process that died.
LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 5
BATCH = 25


class InboxEvent(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("team_id", "event_id"),
        Index("ix_inbox_waiting", "id", postgresql_where=text("done_at IS NULL"), sqlite_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


def keep(session: Session, *, team_id: str, event_id: str, body: dict) -> bool:
    """Store the event (in the caller's write); False when it is kept already (Slack's retry)."""
    statement = insert_for(session)(InboxEvent).values(team_id=team_id, event_id=event_id, body=body, received_at=utcnow(), attempts=0)
    return inserted(session, statement.on_conflict_do_nothing(), InboxEvent.id)


def done(session: Session, body: dict, *, team_id: str | None) -> bool:
    """Mark the event done in the caller's write, which also records what handling it changed.
    False when it was done already (handed over again while its first listener was finishing):
    the listener then does nothing. An event that was never kept (no event id) is always new."""
    event_id = body.get("event_id")
    if not event_id:
        return True
    marked = session.execute(
        update(InboxEvent)
        .where(InboxEvent.team_id == team_id, InboxEvent.event_id == str(event_id), InboxEvent.done_at.is_(None))
        .values(done_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return marked.rowcount == 1


def overdue(store: Store, *, now: datetime, limit: int = BATCH) -> list[dict]:
    """Kept events whose listener hasn't marked them done a LEASE after they arrived (or after they
    were last handed over), claimed for another try; one tried MAX_ATTEMPTS times is given up, with
    the reason recorded."""
    stale = now - LEASE
    with store.write() as session:
        waiting = (
            select(InboxEvent)
            .where(
                InboxEvent.done_at.is_(None),
                or_(and_(InboxEvent.claimed_at.is_(None), InboxEvent.received_at < stale), InboxEvent.claimed_at < stale),
            )
            .order_by(InboxEvent.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            waiting = waiting.with_for_update(skip_locked=True)
        bodies = []
        for row in session.scalars(waiting):
            if row.attempts >= MAX_ATTEMPTS:
                log.error("gave up on event %s of team %s after %d attempts", row.event_id, row.team_id, row.attempts)
                row.done_at, row.error = now, f"gave up after {row.attempts} attempts"
                continue
            row.claimed_at, row.attempts = now, row.attempts + 1
            bodies.append(row.body)
        return bodies


def redeliver(app: App, store: Store) -> int:
    """Hand the overdue kept events to their listeners again, through Bolt (as Socket Mode
    requests are: checked when they first arrived); how many."""
    bodies = overdue(store, now=utcnow())
    for body in bodies:
        app.dispatch(BoltRequest(body=body, mode="socket_mode", context={REDELIVERED: True}))
    return len(bodies)

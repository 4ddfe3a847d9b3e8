"""Events kept before Slack is told we have them, and handled in batches after.

Slack never sends an acknowledged event again, so each event we handle is one INSERT before its
"200" (cheap: Slack's reaction storms are answered almost as fast as by a bare Bolt app). The
process's sender thread then takes kept events in batches and runs their listeners: one
transaction a batch, a savepoint an event, each event marked done in the same transaction as what
it changed. A batch claimed by a process that died is taken over when its lease (30 s) runs out.
Listeners are idempotent per event id, so Slack's own retries change nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from slackapp.db import Base, Store, UTCDateTime, insert_for, utcnow

log = logging.getLogger(__name__)

# Set on a session that kept an event (see Store.on_commit): this process looks at the inbox at once.
KEPT = "kept_event"
# A batch takes milliseconds; one claimed for longer belongs to a process that died.
LEASE = timedelta(seconds=30)
# SQLite holds its one write lock for the whole batch, so batches stay short.
BATCH = 25
MAX_ATTEMPTS = 5


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


_KEEP: dict[str, object] = {}


def keep(store: Store, *, team_id: str, event_id: str, body: dict) -> None:
    """Before the answer: Slack's retry of an event we kept already changes nothing. (On the
    connection, with a statement built once: it runs for every reaction of a storm.)"""
    with store.write() as session:
        dialect = session.get_bind().dialect.name
        if dialect not in _KEEP:
            _KEEP[dialect] = insert_for(session)(InboxEvent.__table__).on_conflict_do_nothing()
        values = {"team_id": team_id, "event_id": event_id, "body": body, "received_at": utcnow(), "attempts": 0}
        session.connection().execute(_KEEP[dialect], values)
        session.info[KEPT] = True


def _claim(store: Store, *, worker: str, now: datetime, limit: int) -> list[InboxEvent]:
    with store.write() as session:
        waiting = (
            select(InboxEvent)
            .where(InboxEvent.done_at.is_(None), or_(InboxEvent.claimed_at.is_(None), InboxEvent.claimed_at < now - LEASE))
            .order_by(InboxEvent.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            waiting = waiting.with_for_update(skip_locked=True)
        rows = list(session.scalars(waiting))
        for row in rows:
            row.claimed_by, row.claimed_at, row.attempts = worker, now, row.attempts + 1
        return rows


def handle_waiting(store: Store, handle: Callable[[Session, dict], None], *, worker: str, limit: int = BATCH) -> int:
    """Run `handle(session, body)` for a batch of kept events, in one transaction; how many were
    taken. An event whose handling fails is rolled back alone and tried again later (given up, with
    the reason recorded, after MAX_ATTEMPTS)."""
    rows = _claim(store, worker=worker, now=utcnow(), limit=limit)
    if not rows:
        return 0
    done: list[int] = []
    with store.write() as session:
        for row in rows:
            try:
                with session.begin_nested():
                    handle(session, row.body)
                done.append(row.id)
            except Exception as exc:  # one bad event must not hold up the others; recorded below
                log.exception("handling event %s of team %s failed", row.event_id, row.team_id)
                if row.attempts >= MAX_ATTEMPTS:
                    _finish(session, [row.id], worker, error=f"gave up after {row.attempts} attempts: {exc.__class__.__name__}")
        _finish(session, done, worker)
    return len(rows)


def _finish(session: Session, ids: list[int], worker: str, error: str | None = None) -> None:
    if ids:
        session.execute(
            update(InboxEvent).where(InboxEvent.id.in_(ids), InboxEvent.claimed_by == worker).values(done_at=utcnow(), error=error),
            execution_options={"synchronize_session": False},
        )

"""Events kept before Slack is told we have them.

Slack never sends an answered event again, so the middleware stores each event before Bolt answers
it (`Keeper.keep`, sharing transactions under a storm); Bolt then runs the event's listener, which marks it done (`done`) in the transaction of
its own work. An event not done a LEASE after it arrived (its process died, or its listener failed)
is handed to its listener again by the clock of any process (`overdue`), at most MAX_ATTEMPTS
times. Listeners are idempotent per event id, so neither this nor Slack's own retries change
anything twice.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from datetime import datetime, timedelta

from slack_bolt import App, BoltRequest
from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint, and_, bindparam, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from slackapp.db import Base, Store, UTCDateTime, dialect_insert, utcnow

log = logging.getLogger(__name__)

# Set in the context of a kept event handed to its listener again: the middleware doesn't keep it twice.
REDELIVERED = "redelivered"

# A storm of events is handled once it pauses this long, or after STORM_DEFERS_AT_MOST.
STORM_GAP = 0.25
STORM_DEFERS_AT_MOST = 5.0
# A listener takes milliseconds; an event not done after this was lost by a process that died.
LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 5
BATCH = 25


class InboxEvent(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("team_id", "event_id"),
        # ix_inbox_waiting (id, where done_at IS NULL) is a partial index: made in 0006 only (see models.MADE_IN_MIGRATIONS).
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


class Keeper:
    """Keeps the events of one store, sharing transactions under a storm (group commit): the first
    request to arrive writes every event waiting at that moment in one INSERT and one commit, then
    hands the writing to the first that arrived meanwhile (which writes those) and answers Slack;
    each request returns once its own event is written.
    One transaction an event made a storm of reactions wait on SQLite's write lock: acks per second
    fell to 0.39 of the plain peer's (bench/reaction_ack)."""

    def __init__(self, store: Store):
        self._store = store
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._writing = False
        self._last_kept = float("-inf")
        self._calm = threading.Condition()

    def wait_for_a_pause(self) -> None:
        """Return once no event has been kept for STORM_GAP, or after STORM_DEFERS_AT_MOST: a
        storm's events are handled after it, so answering Slack has the store to itself."""
        deadline = time.monotonic() + STORM_DEFERS_AT_MOST
        with self._calm:
            while (now := time.monotonic()) < deadline and now - self._last_kept < STORM_GAP:
                self._calm.wait(min(deadline, self._last_kept + STORM_GAP) - now)

    def keep(self, *, team_id: str, event_id: str, body: dict) -> bool:
        """True once the event is committed; False when it was kept already (Slack's retry)."""
        self._last_kept = time.monotonic()
        mine = _Waiting({"team_id": team_id, "event_id": event_id, "body": body, "received_at": utcnow(), "attempts": 0})
        with self._lock:
            self._waiting.append(mine)
            if not self._writing:
                self._writing = mine.leads = True
        if not mine.leads:
            mine.woken.wait()
        if mine.leads:
            self._write_waiting()
        if mine.error is not None:
            raise mine.error
        return mine.new

    def _write_waiting(self) -> None:
        """Write what waits (this request's own event among it), then hand the writing to
        the first request that arrived meanwhile, so the leader can answer Slack at once."""
        with self._lock:
            batch, self._waiting = self._waiting, []
        try:
            with self._store.write() as session:
                statement = _keeping(session.get_bind().dialect.name)
                rows = session.connection().execute(statement, [waiting.row for waiting in batch])
                new = {(team, event) for team, event in rows}
            for waiting in batch:
                waiting.new = (waiting.row["team_id"], waiting.row["event_id"]) in new
        except Exception as error:  # every request of the batch fails, and Slack sends it again
            for waiting in batch:
                waiting.error = error
        with self._lock:
            following = self._waiting[0] if self._waiting else None
            if following is None:
                self._writing = False
            else:
                following.leads = True
        for waiting in batch:
            waiting.woken.set()
        if following is not None:
            following.woken.set()


@functools.cache
def _keeping(dialect: str):
    """The INSERT of a batch of events, built once (it runs for every event of a storm): the
    events new to the store come back."""
    insert = dialect_insert(dialect)
    table = InboxEvent.__table__
    return insert(table).on_conflict_do_nothing().returning(table.c.team_id, table.c.event_id)


class _Waiting:
    __slots__ = ("row", "woken", "leads", "new", "error")

    def __init__(self, row: dict):
        self.row = row
        # Set once the event is written, or once this request is to write what waits.
        self.woken = threading.Event()
        self.leads = False
        self.new = False
        self.error: Exception | None = None


def done(session: Session, body: dict, *, team_id: str | None) -> bool:
    """Mark the event done in the caller's write, which also records what handling it changed.
    False when it was done already (handed over again while its first listener was finishing):
    the listener then does nothing. An event that was never kept (no event id) is always new."""
    event_id = body.get("event_id")
    if not event_id:
        return True
    marked = session.connection().execute(_MARK_DONE, {"team": team_id, "event": str(event_id), "now": utcnow()})
    return marked.rowcount == 1


# Built once: it runs for every event.
_MARK_DONE = (
    update(InboxEvent.__table__)
    .where(InboxEvent.__table__.c.team_id == bindparam("team"), InboxEvent.__table__.c.event_id == bindparam("event"), InboxEvent.__table__.c.done_at.is_(None))
    .values(done_at=bindparam("now"))
)


def with_others_waiting(session: Session, body: dict, *, team_id: str | None, types: tuple[str, ...], limit: int = BATCH) -> list[dict]:
    """This event first, then others of these types the workspace's listeners have not done yet,
    oldest first (locked for the caller's transaction on PostgreSQL; SQLite's write lock does that).
    A listener that handles what it finds waiting in one go handles a storm of reactions in a few
    transactions, not one each (bench/rsvp_storm); the listeners of the others then find theirs
    done. Mark each done (`done`) as it is handled. An event handed over again, or set aside
    (`set_aside`), is not among the others: it is tried alone."""
    waiting = (
        select(InboxEvent.body)
        .where(InboxEvent.team_id == team_id, InboxEvent.done_at.is_(None), InboxEvent.claimed_at.is_(None))
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        waiting = waiting.with_for_update(skip_locked=True)
    others = [kept for kept in session.scalars(waiting) if (kept.get("event") or {}).get("type") in types and kept.get("event_id") != body.get("event_id")]
    return [body, *others]


def set_aside(session: Session, body: dict, *, team_id: str | None) -> None:
    """An event whose handling failed among others: no other listener's batch takes it again, and
    `overdue` hands it over alone a LEASE from now."""
    session.connection().execute(
        update(InboxEvent.__table__)
        .where(InboxEvent.team_id == team_id, InboxEvent.event_id == str(body.get("event_id")), InboxEvent.done_at.is_(None))
        .values(claimed_at=utcnow())
    )


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
